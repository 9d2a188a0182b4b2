"""course_utils: the teaching package of the RNN course.

One module per concept; the notebooks import from here. Nothing in this package seeds
random generators or changes global state at import time.

Modules
-------
seed       set_seed: one call seeds random, numpy and torch
data       synthetic and real time series, splits and forecasting targets
rnn        the recurrent layer in numpy, forward and backward (BPTT, truncation), = torch.nn.RNN
lstm       the LSTM layer in numpy (gates f, i, o, candidate g; optional peepholes), = torch.nn.LSTM
gru        the GRU layer in numpy, torch's form and the textbook form, = torch.nn.GRU
bidirectional  forward and time-reversed passes over any layer, = torch's bidirectional=True
conv1d     the 1D convolution over time in numpy (stride, padding, dilation, causal), = torch.nn.Conv1d;
           the receptive field of a stack
attention  scaled dot-product, additive (Bahdanau) and multi-head attention in numpy, masks,
           = F.scaled_dot_product_attention and nn.MultiheadAttention
seq_tasks  generated seq2seq tasks (dates in many formats -> ISO, digit reversal), CharVocab
seq2seq    torch GRU encoder-decoders: plain, Bahdanau, Luong dot/general; teacher forcing, greedy decoding
attention_experiments  chapter 07's experiments: accuracy by length, the date task, padding
attention_widgets  the date explorer (answer + attention heatmap) and plot_alignment
torch_weights  checks and float64 conversion shared by the layers' params_from_torch
gradcheck  centred finite differences and relative error
gradients  clipping, the scalar model, Jacobian products across time
shakespeare  the complete works of Shakespeare, offline (chapters 06-08)
text       the corpus pipeline (chapters 06-08): tokens, Vocabulary, subsampling, noise sampling, pairs
word2vec   skip-gram and CBOW in numpy, full softmax and negative sampling (chapter 06)
word2vec_torch  the fast word2vec trainer in torch: train(sentences, ...) -> Embeddings
embeddings Embeddings: neighbours, similarity, analogies, analogy accuracy, save/load
ppmi       the count-based baseline: PPMI co-occurrence matrix + truncated SVD
planted    a generated corpus with planted relations (gender, plural, capital, tense)
analogy_sets  analogy word pairs for the Shakespeare corpus
embedding_widgets  the neighbours and analogy explorer (chapter 06)
text_classifier  embeddings feeding a bidirectional LSTM: the Folio-genre task (chapter 06)
sequence_models  torch models answering from the last state; the long-dependency tasks (chapters 03-04)
forecast   the torch forecasting models (chapters 01, 04, 05) and their recipes
sunspots   chapter 01's models on a real series, the monthly sunspot numbers
char_model  chapter 08: character vocabulary, stream batches, the character LSTM/GRU, bits per character, generate
char_numpy  chapter 08: the same generation with our numpy LSTM/GRU, and hidden-state traces
sampling   temperature, top-k, the one random draw torch and numpy generation share, entropy in bits
ngram      baselines in bits per character: uniform, unigram, Witten-Bell n-gram
generation_widgets  chapter 08's text displays and the generation explorer
training   one small fit loop for torch models
plotting   plot helpers (take ax=None, return the Figure)
widgets    ipywidgets front-ends over pure functions
exercises  checkers for the notebooks' exercises (one module per chapter)
figures    draws the course's diagrams into images/ (one module per chapter)
student    builds the student edition of the notebooks
"""

__version__ = "0.1.0"
