-- wrk script: POST /api/v2/generate/text/async, one small AI Horde text job per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"prompt": "Once upon a time", "models": ["bench/model"], "params": {"max_length": 16}}'
