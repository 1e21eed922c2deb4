aipg_fuzz(multiaddr_fuzz LIBS aipg_wire)
