aipg_fuzz(peer_record_fuzz LIBS aipg_wire)
