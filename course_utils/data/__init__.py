"""Data sets and generated tasks: numpy only, no torch.

- `series`: the synthetic series, the train / validation / test split, forecasting targets, the
  sunspot numbers and their windows, and the long-dependency tasks (chapters 01-05);
  re-exported here, so `data.generate_time_series(...)` reads as before.
- `shakespeare`: the complete works, offline (chapters 06-08).
- `seq_tasks`: generated seq2seq tasks (dates -> ISO, digit reversal) and their vocabulary (chapter 07).
- `planted`: a corpus with planted relations; `analogy_sets`: analogy questions (chapter 06).

The files themselves live in `course_utils/datasets/` (`DATA_DIR`), their sources and licences in its README.
"""

from course_utils.data.series import (N_TRAIN, DATA_DIR, generate_time_series, Split, Splits, split_series, single_step_data, multi_step_data, seq2seq_targets, seq2seq_data, load_sunspots, windows, RecallTask, recall_first_symbol, adding_problem, N_VALID, N_TEST)
