"""Data sets and generated tasks: numpy only, no torch.

- `series`: the synthetic series, the train / validation / test split, forecasting targets, the
  sunspot numbers and their windows (chapters 01-05);
- `tasks`: the long-dependency tasks, `recall_first_symbol` and `adding_problem` (chapters 03-04);
  both are re-exported here, so `data.generate_time_series(...)` and `data.adding_problem(...)` read as before.
- `shakespeare`: the complete works, offline (chapters 06-08).
- `seq_tasks`: generated seq2seq tasks (dates -> ISO, digit reversal) and their `PaddedCharVocab` (chapter 07).
- `planted`: a corpus with planted relations; `analogy_sets`: analogy questions (chapter 06).

The files themselves live in `course_utils/datasets/` (`DATA_DIR`), their sources and licences in its README.
"""

from course_utils.data.series import (
                                      DATA_DIR,
                                      N_TEST,
                                      N_TRAIN,
                                      N_VALID,
                                      Split,
                                      Splits,
                                      generate_time_series,
                                      load_sunspots,
                                      multi_step_data,
                                      phase_features,
                                      seq2seq_data,
                                      seq2seq_targets,
                                      series_parameters,
                                      single_step_data,
                                      split_series,
                                      vector_to_sequence_data,
                                      windows,
)
from course_utils.data.tasks import RecallTask, adding_problem, recall_first_symbol
