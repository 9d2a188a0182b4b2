"""The count-based baseline: a PPMI co-occurrence matrix reduced by truncated SVD.

Instead of predicting contexts, count them. M[w, o] = #(w, o) is how often word o occurs within `window`
positions of word w (same sentence); M, not C, because chapter 06 uses C for the window. Raw counts are
dominated by frequent words ("the" is near everything), so each cell becomes positive pointwise mutual information,

    PMI(w, o)  = log( P(w, o) / (P(w) P_a(o)) )        P(w, o) = M[w, o] / sum(M)
    PPMI(w, o) = max(PMI(w, o), 0)                     (0 where M[w, o] = 0)

with P(w) = row sums / sum(M) and the context distribution smoothed like word2vec's noise,
P_a(o) = colsum(o)^a / sum colsum^a, a = 0.75 (Levy, Goldberg and Dagan 2015: it lowers the PMI of
rare contexts, which plain PMI overrates). The (V, V) PPMI matrix is then cut to D dimensions by a
truncated SVD, PPMI ~ U_D S_D V_D^T, and the word vectors are the rows of U_D S_D^p (p = 0.5).

`truncated_svd` is the randomized algorithm of Halko, Martinsson and Tropp (2011): project onto a
random (V, D + oversample) subspace, sharpen it with a few power iterations, and take the exact SVD
of the small projected matrix. It costs O(V^2 D) instead of O(V^3).

The matrices here are dense (V, V) arrays: simple, and fine for a few thousand words (chapter 06 keeps
the 3,505 words seen at least 20 times). That limit is this implementation's, not the method's: the counts
are sparse (most word pairs never meet), and a sparse matrix with a sparse truncated SVD
(`scipy.sparse.linalg.svds`) scales to large vocabularies, as in Levy, Goldberg and Dagan (2015).
"""

import numpy as np

from course_utils._checks import int_ids, positive_int
from course_utils.nlp import text
from course_utils.nlp.embeddings import Embeddings
from course_utils.nlp.vocab import Vocabulary


def cooccurrence_matrix(ids, V, window, *, sentence_id=None, dtype=np.float32):
    """(V, V) counts M[w, o] = #(w, o) of word o within `window` positions of word w (symmetric)."""
    ids = int_ids("ids", ids, V)
    center, context = text.window_pairs(ids, window, sentence_id=sentence_id)
    codes, counts = np.unique(center * V + context, return_counts=True)
    M = np.zeros((V, V), dtype=dtype)
    M[codes // V, codes % V] = counts
    return M


def ppmi(M, *, alpha=0.75):
    """(V, V) PPMI of a co-occurrence count matrix, contexts smoothed with power alpha (1 = plain PMI)."""
    M = np.asarray(M)
    if M.ndim != 2 or M.shape[0] != M.shape[1] or np.any(M < 0) or M.sum() == 0:
        raise ValueError(f"M must be a square (V, V) matrix of non-negative counts, not all zero; got shape {M.shape}")
    total = M.sum(dtype=np.float64)
    p_w = M.sum(axis=1, dtype=np.float64) / total  # (V,)
    col = M.sum(axis=0, dtype=np.float64) ** alpha
    p_c = col / col.sum()  # (V,)
    with np.errstate(divide="ignore"):  # log 0 = -inf where M = 0: clipped to 0 below
        pmi = np.log(M / total) - np.log(p_w)[:, None].astype(M.dtype) - np.log(p_c)[None, :].astype(M.dtype)
    return np.maximum(pmi, 0).astype(M.dtype)


def truncated_svd(M, k, *, seed=0, n_iter=4, oversample=10):
    """(U (m, k), S (k,), Vt (k, n)): the top-k singular triplets of M, by randomized SVD."""
    M = np.asarray(M)
    if M.ndim != 2:
        raise ValueError(f"M must be a 2-D matrix, got shape {M.shape}")
    if positive_int("k", k) > min(M.shape):
        raise ValueError(f"k must be an int in [1, {min(M.shape)}], got {k!r}")
    rng = np.random.default_rng(seed)
    width = min(k + oversample, min(M.shape))
    Q, _ = np.linalg.qr(M @ rng.standard_normal((M.shape[1], width)).astype(M.dtype))  # (m, width)
    for _ in range(n_iter):  # power iterations: the top singular directions dominate more each time
        Q, _ = np.linalg.qr(M.T @ Q)
        Q, _ = np.linalg.qr(M @ Q)
    U_small, S, Vt = np.linalg.svd(Q.T @ M, full_matrices=False)  # (width, width), (width,), (width, n)
    return (Q @ U_small)[:, :k], S[:k], Vt[:k]


def ppmi_svd_embeddings(sentences, *, dim=100, window=5, min_count=5, alpha=0.75, power=0.5, seed=0,
                        vocab=None):
    """Embeddings from PPMI + truncated SVD: rows of U_D S_D^power, for the words of `vocab` (built from
    the sentences with min_count when None)."""
    vocab = Vocabulary.build(sentences, min_count=min_count) if vocab is None else vocab
    ids, sentence_id = vocab.encode_corpus(sentences)
    M = cooccurrence_matrix(ids, vocab.V, window, sentence_id=sentence_id)
    U, S, _ = truncated_svd(ppmi(M, alpha=alpha), dim, seed=seed)
    return Embeddings(vocab, U * S ** power)
