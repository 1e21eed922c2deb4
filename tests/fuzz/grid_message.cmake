aipg_fuzz(grid_message_fuzz LIBS aipg_grid)
