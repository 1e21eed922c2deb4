aipg_fuzz(yamux_fuzz LIBS aipg_yamux)
