"""course_utils: the teaching package of the RNN course.

The notebooks import from here. Each subpackage holds one kind of thing, one module per concept;
nothing in the package seeds random generators or changes global state at import time.

Where each concept lives
------------------------
layers/     numpy float64 reference layers on one contract (init_params, params_from_torch,
            <layer>_forward, <layer>_backward), each equal to its torch twin:
            rnn (= nn.RNN; BPTT, truncation) · lstm (= nn.LSTM; peepholes) · gru (= nn.GRU; torch's and the
            textbook form) · bidirectional · conv1d (= nn.Conv1d; receptive field) · attention (dot-product,
            additive, masks) · multihead (= nn.MultiheadAttention) · word2vec (skip-gram, CBOW, negative sampling);
            common (stable sigmoid and softmax, shared checks, float64 copies of torch weights) ·
            gradcheck (finite differences, the referee) · gradients (clipping, the scalar model, Jacobians)
nlp/        numpy text methods: vocab (the vocabularies: which chapter uses which) · text (tokens,
            subsampling, noise, pairs) · embeddings · ppmi (PPMI + SVD baseline) · ngram (bits-per-character
            baselines) · sampling (temperature, top-k)
data/       data sets and generated tasks, numpy only: series (synthetic and sunspot series, splits,
            targets, windows) · tasks (long-dependency tasks), both re-exported as `data.*` · shakespeare ·
            seq_tasks (dates, digit reversal, PaddedCharVocab) · planted (relations) · analogy_sets
models/     everything torch: training (the one fit loop) · forecast · sunspots (chapter 01's experiment)
            · sequence_models (chapters 03-04) · seq2seq · attention_experiments (chapter 07) ·
            word2vec_torch · text_classifier (chapter 06) · char_model · char_numpy (chapter 08)
widgets/    the ipywidgets explorers, one module per chapter (ch01 ... ch08), re-exported as `widgets.*`
exercises/  the exercise checkers, one module per chapter, on one engine (exercises.engine)
figures/    draws the course's diagrams into images/, one module per chapter (`make figures`)
seed        set_seed: one call seeds random, numpy and torch
plotting    plot helpers (take ax=None, return the Figure)
student     builds the student edition of the notebooks (`make student`)
datasets/   the shipped files (sources and licences in its README)
"""

__version__ = "0.2.0"
