"""Generates tests/fixtures/ovsw_conv.json: the OvSW binary conv (docs/method.md §2) in PyTorch.

Written from the spec (sign with sign(0)=0, ApproxSign activation backward, detached
per-sample unbiased std in training, alpha from standardised weights without gradient, weight
estimators ste / hardtanh). Run from the repository root with the Python that has PyTorch
1.13 (Debian: /usr/bin/python3 tools/gen_ovsw_conv_fixture.py).
"""
import json

import torch
import torch.nn.functional as F


class ApproxSign(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sign(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (2 - 2 * x.abs()).clamp(min=0)


class Ste(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w):
        return torch.sign(w)

    @staticmethod
    def backward(ctx, g):
        return g.clone()


class Clipped(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w):
        ctx.save_for_backward(w)
        return torch.sign(w)

    @staticmethod
    def backward(ctx, g):
        (w,) = ctx.saved_tensors
        return g * (w.abs() < 1)


def ovsw_conv(x, w, stride, padding, training, estimator):
    if training:
        x = x / torch.sqrt(x.var(dim=[1, 2, 3], keepdim=True) + 1e-5).detach()
    a = ApproxSign.apply(x)
    with torch.no_grad():
        w0 = w - w.mean([1, 2, 3], keepdim=True)
        w1 = w0 / torch.sqrt(w0.var([1, 2, 3], keepdim=True) + 1e-5)
        alpha = w1.abs().mean([1, 2, 3]).reshape(1, -1, 1, 1)
    b = (Ste if estimator == "ste" else Clipped).apply(w)
    return F.conv2d(a, b, stride=stride, padding=padding) * alpha


def case(seed, estimator, stride, padding, training):
    g = torch.Generator().manual_seed(seed)
    x = (torch.randn(2, 3, 5, 6, generator=g) * 1.5).requires_grad_()
    w = (torch.randn(4, 3, 3, 3, generator=g) * (0.8 if estimator == "hardtanh" else 0.2)).requires_grad_()
    y = ovsw_conv(x, w, stride, padding, training, estimator)
    r = torch.randn(y.shape, generator=g)
    (y * r).sum().backward()
    flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
    return {
        "estimator": estimator, "stride": stride, "padding": padding, "training": training,
        "x_shape": list(x.shape), "w_shape": list(w.shape), "y_shape": list(y.shape),
        "x": flat(x), "w": flat(w), "upstream": flat(r),
        "y": flat(y), "grad_x": flat(x.grad), "grad_w": flat(w.grad),
    }


def golden():
    x = torch.tensor([[[[0.5, -1.0]], [[2.0, 0.25]]]], requires_grad=True)
    w = torch.tensor([[0.3, -0.1], [0.02, 0.05]]).reshape(2, 2, 1, 1).requires_grad_()
    y = ovsw_conv(x, w, 1, 0, True, "ste")
    y.sum().backward()
    flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
    return {"x": flat(x), "w": flat(w), "y": flat(y), "grad_x": flat(x.grad), "grad_w": flat(w.grad)}


if __name__ == "__main__":
    torch.set_default_dtype(torch.float32)
    cases = [
        case(1, "ste", 1, 1, True),
        case(2, "ste", 2, 1, False),
        case(3, "hardtanh", 2, 1, True),
        case(4, "hardtanh", 1, 0, False),
    ]
    out = {"generator": "tools/gen_ovsw_conv_fixture.py (PyTorch %s)" % torch.__version__,
           "golden_2_3": golden(), "cases": cases}
    with open("tests/fixtures/ovsw_conv.json", "w") as f:
        json.dump(out, f)
