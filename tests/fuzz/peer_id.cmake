aipg_fuzz(peer_id_fuzz LIBS aipg_wire)
