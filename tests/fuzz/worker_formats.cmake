aipg_fuzz(sse_fuzz LIBS aipg_worker_formats)
aipg_fuzz(ndjson_fuzz LIBS aipg_worker_formats)
