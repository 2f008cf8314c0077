"""Tests of nanoheater.capabilities: the model registry as data."""
