"""Talking to the SII (and to the local SII stand-in)."""
