"""The numpy nano-gpt: config, weights I/O, traced forward pass, tokenizer, trainer."""
