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
torch_weights  checks and float64 conversion shared by the layers' params_from_torch
gradcheck  centred finite differences and relative error
gradients  clipping, the scalar model, Jacobian products across time
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
