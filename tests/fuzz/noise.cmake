aipg_fuzz(noise_fuzz LIBS aipg_noise)
