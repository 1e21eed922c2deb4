aipg_fuzz(varint_fuzz LIBS aipg_wire)
