"""Local stand-ins for Azure (dev and test only, never deployed): Azurite launcher, ACS emulator, Functions host."""
