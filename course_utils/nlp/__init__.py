"""Numpy text methods (chapters 06-08): neither layers nor data sets.

- `vocab`: the word `Vocabulary` and the `CharVocab` (and which vocabulary each chapter uses);
- `text`: tokens, subsampling, noise sampling, skip-gram pairs;
- `embeddings`: `Embeddings` queries (neighbours, similarity, analogies), save and load;
- `ppmi`: the count-based baseline (PPMI co-occurrences + truncated SVD);
- `ngram`: uniform, unigram and Witten-Bell n-gram baselines in bits per character;
- `sampling`: temperature, top-k and top-p, the one random draw that torch and numpy generation share;
- `char_kinds`: the kind of every character (closing bracket, first of a word, ...), to compare models by kind.
"""
