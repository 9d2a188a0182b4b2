"""Everything that imports torch: the one training loop, the models and the chapters' experiments.

- `training`: `fit`, `update` (the package's only optimisation step, which every loop calls), `History` (what
  every loop returns), `check_recipe`, `model_device`, `predict`, recipes (chapters 01-05, 07, 08);
- `forecast` (chapters 01, 04, 05) and `sunspots` (chapter 01's real series);
- `sequence_models`: models answering from the last state; the long-dependency experiments (chapters 03-04);
- `vector_to_sequence`: a decoder writing a series from one vector (chapter 01); `regularisation`: stacked
  layers and dropout on a small training set (chapter 04);
- `seq2seq`, `beam_search`, `exposure_bias` and `attention_experiments` (chapter 07);
- `word2vec_torch` and `text_classifier` (chapter 06);
- `char_model` and `char_numpy` (chapter 08; `char_numpy` runs the trained model with our numpy layers);
- `mingru` (the torch scan and minGRU), `char_transformer` (a small causal transformer with a key/value cache) and
  `recurrence_today` (time per update, equal-time training, generation cost, checkpoints) (chapter 09).
"""
