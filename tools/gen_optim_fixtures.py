"""Generates tests/fixtures/optim_torch.json: optimizer trajectories computed with PyTorch.

AGS and SAD are written here from the formulas of docs/method.md §4/§5 (applied to .grad before the
optimizer step, as the authors' trainer does); SGD, Adam and AdamW are torch.optim's own.
Run: /usr/bin/python3 tools/gen_optim_fixtures.py (PyTorch 1.13 CPU). Tests never need Python.
"""
import json
import math
import os

import torch

torch.manual_seed(1234)
OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "optim_torch.json")


def ags_(w, delta):
    g = w.grad.flatten(1)
    gn = g.norm(dim=1).clamp(min=1e-6)
    pn = w.detach().flatten(1).norm(dim=1).clamp(min=1e-3)
    lift = (gn / pn) < delta
    f = torch.where(lift, delta * pn / gn, torch.ones_like(gn))
    w.grad = (g * f[:, None]).reshape(w.shape)
    return lift.float().mean().item()


def sad_(w, st, lam, m, tau):
    flipped = (torch.sign(w.detach()) != torch.sign(st["prev"])).float()
    st["tracker"] = st["tracker"] * m + (1 - m) * flipped
    mask = (st["tracker"] < tau).float()
    w.grad = w.grad + lam * mask * w.detach()
    st["prev"] = w.detach().clone()
    return mask.mean().item()


SHAPES = {
    "conv1.weight": ([4, 3, 3, 3], "float", 0.2),
    "layer1.0.conv1.weight": ([6, 4, 3, 3], "binary", 0.1),
    "layer1.0.bn1.weight": ([6], "vector", 1.0),
    "layer1.0.bn1.bias": ([6], "vector", 0.1),
    "fc.weight": ([3, 6], "float", 0.3),
    "fc.bias": ([3], "vector", 0.1),
}


def make_params():
    return {
        k: (torch.randn(shape) * std).requires_grad_(True) for k, (shape, _, std) in SHAPES.items()
    }


def flat(t):
    # Shortest decimal that rounds back to the same float32 (keeps the JSON small, exact).
    return [float(repr(x)) for x in t.detach().flatten().numpy()]


def run(kind, steps, opts):
    params = make_params()
    init = {k: flat(p) for k, p in params.items()}
    names = list(params)
    groups = [{"params": [params[k] for k in names]}]
    if opts.get("noBnDecay"):
        groups = [
            {"params": [params[k] for k in names if SHAPES[k][1] != "vector"]},
            {"params": [params[k] for k in names if SHAPES[k][1] == "vector"], "weight_decay": 0.0},
        ]
    if kind == "sgd":
        opt = torch.optim.SGD(groups, lr=opts["lr"][0], momentum=opts["momentum"],
                              weight_decay=opts["weightDecay"], nesterov=opts.get("nesterov", False))
    elif kind == "adam":
        opt = torch.optim.Adam(groups, lr=opts["lr"][0], weight_decay=opts["weightDecay"])
    else:
        opt = torch.optim.AdamW(groups, lr=opts["lr"][0], weight_decay=opts["weightDecay"])
    sad_state = {k: {"tracker": torch.zeros(SHAPES[k][0]), "prev": params[k].detach().clone()}
                 for k in names if SHAPES[k][1] == "binary"}
    grads, after, silent, scaled = [], [], [], []
    for s in range(steps):
        for group in opt.param_groups:
            group["lr"] = opts["lr"][s]
        g = {k: torch.randn(SHAPES[k][0]) * opts["gradStd"] for k in names}
        grads.append({k: flat(v) for k, v in g.items()})
        for k in names:
            params[k].grad = g[k].clone()
        step_silent, step_scaled = {}, {}
        for k in names:
            if SHAPES[k][1] != "binary":
                continue
            if opts.get("delta") is not None:
                step_scaled[k] = ags_(params[k], opts["delta"])
            if opts.get("dampenWeight") is not None:
                step_silent[k] = sad_(params[k], sad_state[k], opts["dampenWeight"],
                                      opts["trackMomentum"], opts["threshold"])
        silent.append(step_silent)
        scaled.append(step_scaled)
        opt.step()
        after.append({k: flat(p) for k, p in params.items()})
    return {
        "optimizer": kind,
        "options": opts,
        "shapes": {k: v[0] for k, v in SHAPES.items()},
        "tags": {k: v[1] for k, v in SHAPES.items()},
        "init": init,
        "grads": grads,
        "after": after,
        "silent": silent,
        "scaled": scaled,
    }


def cosine(base, epochs, warmup, e):
    if e < warmup:
        return base * (e + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * (e - warmup) / (epochs - warmup))) * base + 1e-5


lrs = [cosine(0.5, 8, 2, e) for e in range(8)]
cases = {
    "ovsw": run("sgd", 8, {"lr": lrs, "momentum": 0.9, "weightDecay": 5e-4, "delta": 0.5,
                          "dampenWeight": 0.05, "trackMomentum": 0.9, "threshold": 0.05,
                          "gradStd": 0.05}),
    "ovsw_noBnDecay": run("sgd", 6, {"lr": lrs, "momentum": 0.9, "weightDecay": 1e-2,
                                     "noBnDecay": True, "delta": 0.7, "dampenWeight": 0.1,
                                     "trackMomentum": 0.999, "threshold": 1e-4, "gradStd": 0.05}),
    "vanilla_nesterov": run("sgd", 5, {"lr": [0.1] * 5, "momentum": 0.8, "weightDecay": 1e-3,
                                       "nesterov": True, "gradStd": 1.0}),
    "adam": run("adam", 5, {"lr": [1e-2] * 5, "weightDecay": 1e-2, "gradStd": 1.0}),
    "adamw": run("adamw", 5, {"lr": [1e-2] * 5, "weightDecay": 5e-2, "gradStd": 1.0}),
}
with open(OUT, "w") as f:
    json.dump({"generator": "tools/gen_optim_fixtures.py", "torch": torch.__version__,
               "cases": cases}, f)
print("wrote", OUT, {k: len(v["after"]) for k, v in cases.items()})
