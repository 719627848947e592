# Stand-in for pycryptodomex (not installable here): just what the VDAF reference code imports.
