"""Tests of nanoheater.history: the store, the ledger, the calendar, series and recovery."""
