"""The training losses of one step, in float64 on model.py's forwards: the definitions the C++
model_train_step must match (tests/unit/model_train_test.cpp compares against them).

A batch is tokens [B, T+1] and mask [B, T]: sequence b predicts tokens[b][t+1] from
tokens[b][0..t] for t < T; the prediction counts where mask[b][t] is nonzero. Sequences are
independent (each at positions 0..T-1). The differentiated step loss is

    total = loss + mtp_lambda * mtp_loss + aux_alpha * aux_loss

with the three terms defined by main_loss, mtp_loss and balance_loss below.
"""
import contextlib

import torch

import model


def summed_cross_entropy(logits, targets, mask):
    """sum over rows with mask != 0 of -log softmax(logits[t])[targets[t]], and that row count.
    logits [T, V], targets [T], mask [T]."""
    keep = torch.as_tensor(mask, dtype=torch.bool)
    nll = -torch.log_softmax(logits, dim=-1).gather(1, torch.as_tensor(targets).view(-1, 1)).squeeze(1)
    return nll[keep].sum(), int(keep.sum())


def main_loss(ce_sum, counted, loss_tokens):
    """loss = (summed cross-entropy of the counted predictions of all B sequences) / N with
    N = loss_tokens when it is > 0 (the counted tokens of a whole optimizer step, so that the
    micro-batch gradients add up to the step's), else this batch's counted predictions; 0 when
    N is 0."""
    n = loss_tokens if loss_tokens > 0 else counted
    return ce_sum / n if n > 0 else ce_sum * 0.0


def mtp_loss(mtp_ce_sum, mtp_counted):
    """Multi-token prediction (DeepSeek-V3 sec. 2.2, depth 1, model.mtp_forward): the MTP module
    at position i (0 <= i < T-1) combines the main model's last hidden state at i (before the
    final norm) with the MTP embedding of token i+1 and predicts token i+2. With T inputs a
    sequence gives T-1 MTP predictions; prediction i counts where mask[b][i+1] is nonzero (the
    mask of the main prediction of the same token). mtp_loss = summed cross-entropy of the
    counted MTP predictions of all sequences / their count (0 when none counts). loss_tokens
    does not apply to it."""
    return mtp_ce_sum / mtp_counted if mtp_counted > 0 else mtp_ce_sum * 0.0


def sequence_balance(scores, idx, n_experts):
    """Sequence-wise balance loss of one MoE layer on one sequence (DeepSeek-V3 eq. 17-20, alpha
    factored out): sum_i f_i P_i over the E routed experts, with
      f_i = E / (K T) * (number of the sequence's T tokens whose top-K routed experts include i),
      P_i = (1/T) sum_t s_{i,t} / sum_j s_{j,t},
    s_{i,t} the router's unbiased affinities (sigmoid or softmax of the router logits, before
    e_score_correction_bias and the group restriction). The top-K selection (with the bias and
    the group limit) is not differentiated: f is a constant. Every token counts, masked or not.
    scores [T, E], idx [T, K]."""
    T, K = idx.shape
    counts = torch.bincount(idx.flatten(), minlength=n_experts).to(scores.dtype)  # [E]
    f = counts * n_experts / (K * T)
    P = (scores / scores.sum(-1, keepdim=True)).mean(0)  # [E]
    return (f * P).sum(), counts


def balance_loss(records_per_sequence, config):
    """aux_loss = sum over the main model's MoE layers (not the MTP module's) of the mean over
    the B sequences of sequence_balance. Also returns expert_load [MoE layer][E]: how many of
    the batch's B*T tokens routed to each expert, per main-model MoE layer in layer order."""
    E, L = config["n_routed_experts"], config["num_hidden_layers"]
    per_layer = {}
    for records in records_per_sequence:
        for name, scores, idx in records:
            if int(name.split(".")[2]) < L:
                per_layer.setdefault(name, []).append(sequence_balance(scores, idx, E))
    aux, load = torch.zeros((), dtype=torch.float64), []
    for name in sorted(per_layer, key=lambda n: int(n.split(".")[2])):
        terms = per_layer[name]
        aux = aux + sum(t for t, _ in terms) / len(terms)
        load.append([int(v) for v in sum(c for _, c in terms).tolist()])
    return aux, load


@contextlib.contextmanager
def recorded_routing():
    """Records (gate name, unbiased scores [T, E], chosen experts [T, K]) of every MoE gate call
    of model.py made inside the block."""
    records, original = [], model.moe_gate

    def gate(x, W, name, config):
        idx, weights = original(x, W, name, config)
        scores, _ = model.route_scores(x, W, name, config)
        records.append((name, scores, idx))
        return idx, weights

    model.moe_gate = gate
    try:
        yield records
    finally:
        model.moe_gate = original


def step_loss(config, W, tokens, mask, mtp_lambda=0.0, aux_alpha=0.0, loss_tokens=0):
    """-> dict(total, loss, mtp_loss, aux_loss (tensors), tokens, expert_load).
    tokens: B lists of T+1 ids; mask: B lists of T flags."""
    ce_sum, counted, mtp_sum, mtp_counted, routes = 0.0, 0, 0.0, 0, []
    mtp = bool(config.get("num_nextn_predict_layers")) and mtp_lambda != 0.0
    for seq, seq_mask in zip(tokens, mask):
        inputs = seq[:-1]
        with recorded_routing() as records:
            logits, hidden = model.forward(config, W, inputs)
        routes.append(records)
        s, n = summed_cross_entropy(logits, seq[1:], seq_mask)
        ce_sum, counted = ce_sum + s, counted + n
        if mtp:
            s, n = summed_cross_entropy(model.mtp_forward(config, W, inputs, hidden), seq[2:], seq_mask[1:])
            mtp_sum, mtp_counted = mtp_sum + s, mtp_counted + n
    out = {"loss": main_loss(ce_sum, counted, loss_tokens), "tokens": counted,
           "mtp_loss": mtp_loss(torch.as_tensor(mtp_sum, dtype=torch.float64), mtp_counted)}
    if config.get("n_routed_experts"):
        out["aux_loss"], out["expert_load"] = balance_loss(routes, config)
    else:
        out["aux_loss"], out["expert_load"] = torch.zeros((), dtype=torch.float64), []
    out["total"] = out["loss"] + mtp_lambda * out["mtp_loss"] + aux_alpha * out["aux_loss"]
    return out
