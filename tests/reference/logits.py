"""Reference logits of any HF-layout checkpoint dir: writes float32 [T, V] (or MTP [T-1, V]) as .npy."""
import argparse
import sys

import numpy as np
import torch

import checkpoint
import model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="dir with config.json and *.safetensors")
    parser.add_argument("--tokens", required=True, help="comma-separated token ids, e.g. 5,17,3")
    parser.add_argument("--out", required=True, help="output .npy path")
    parser.add_argument("--mtp", action="store_true", help="write the MTP head's logits [T-1, V]")
    args = parser.parse_args(argv)

    tokens = [int(t) for t in args.tokens.split(",") if t.strip()]
    config, weights = checkpoint.load(args.model)
    vocab = config["vocab_size"]
    if not tokens or any(t < 0 or t >= vocab for t in tokens):
        parser.error(f"tokens must be non-empty and in [0, {vocab})")
    if args.mtp and (len(tokens) < 2 or not config.get("num_nextn_predict_layers")):
        parser.error("--mtp needs >= 2 tokens and a config with num_nextn_predict_layers")
    with torch.no_grad():
        result = model.logits(config, weights, tokens, mtp=args.mtp)
    np.save(args.out, result.to(torch.float32).numpy())
    return 0


if __name__ == "__main__":
    sys.exit(main())
