"""Test layers: ``unit/`` (pure, fast), ``integration/`` (real Azurite, emulator in-process), ``e2e/`` (whole stack)."""

pytest_plugins = ["tests.fixtures.azurite", "tests.fixtures.emulator", "tests.fixtures.telemetry"]
