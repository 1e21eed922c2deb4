#!/usr/bin/python3
"""Writes the tiny test model (../shared/reference/inference.md): a llama-architecture GGUF with
random weights from a fixed seed and the real Llama SPM tokenizer, so that llama-server answers
the same text every run at temperature 0. The text is gibberish; it exists to test the grid.

Usage: make-test-model.py LLAMA_CPP_SOURCE OUT.gguf
Run with Debian's /usr/bin/python3 (python3-numpy); gguf-py comes from the llama.cpp source.
"""
import sys
from pathlib import Path

src, out = Path(sys.argv[1]), Path(sys.argv[2])
sys.path.insert(0, str(src / "gguf-py"))
import numpy as np  # noqa: E402
import gguf  # noqa: E402

N_EMBD, N_LAYER, N_HEAD, N_FF, N_CTX, SEED = 64, 2, 4, 192, 512, 20261203
CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content']"
    " + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

vocab = gguf.GGUFReader(src / "models" / "ggml-vocab-llama-spm.gguf")


def field(name):
    f = vocab.fields[name]
    return [f.contents(i) for i in range(len(f.data))] if len(f.data) > 1 else f.contents()


tokens = field("tokenizer.ggml.tokens")
n_vocab = len(tokens)
w = gguf.GGUFWriter(str(out), "llama")
w.add_name("aipg-test-tiny")
w.add_context_length(N_CTX)
w.add_embedding_length(N_EMBD)
w.add_block_count(N_LAYER)
w.add_feed_forward_length(N_FF)
w.add_head_count(N_HEAD)
w.add_head_count_kv(N_HEAD)
w.add_rope_dimension_count(N_EMBD // N_HEAD)
w.add_layer_norm_rms_eps(1e-5)
w.add_file_type(gguf.LlamaFileType.ALL_F32)
w.add_tokenizer_model("llama")
w.add_token_list(tokens)
w.add_token_scores(field("tokenizer.ggml.scores"))
# Byte-fallback tokens (type 6) become normal tokens spelled "<0xE5>": gibberish made of raw
# bytes is invalid UTF-8, which llama-server's output parser refuses with a 500 mid-stream;
# spelled out, every output is valid text. Prompts still tokenize the same (by the tokens' text).
w.add_token_types([1 if kind == 6 else kind for kind in field("tokenizer.ggml.token_type")])
w.add_bos_token_id(int(field("tokenizer.ggml.bos_token_id")))
w.add_eos_token_id(int(field("tokenizer.ggml.eos_token_id")))
w.add_chat_template(CHATML)

rng = np.random.default_rng(SEED)


def t(name, *shape):
    w.add_tensor(name, (rng.standard_normal(shape) * 0.05).astype(np.float32))


t("token_embd.weight", n_vocab, N_EMBD)
w.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
t("output.weight", n_vocab, N_EMBD)
for i in range(N_LAYER):
    w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    for p in ("attn_q", "attn_k", "attn_v", "attn_output"):
        t(f"blk.{i}.{p}.weight", N_EMBD, N_EMBD)
    w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    t(f"blk.{i}.ffn_gate.weight", N_FF, N_EMBD)
    t(f"blk.{i}.ffn_up.weight", N_FF, N_EMBD)
    t(f"blk.{i}.ffn_down.weight", N_EMBD, N_FF)

w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
