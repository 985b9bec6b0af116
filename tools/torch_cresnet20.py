"""PyTorch CPU peer of `bench:train --peer torch`: trains cResNet20_1w1a (docs/method.md §8.1)
with the OvSW binary convolution (§2) and the ovsw() optimizer step (§3-§5: AGS, SAD, SGD with
momentum 0.9, weight decay 5e-4) on a fixed random batch, and prints one JSON line:
{"images_per_second": …, "step_ms": …, "threads": …, "version": …}.

Written from the method notes, not from the authors' code. Usage:
    python3 tools/torch_cresnet20.py --batch 128 --steps 5
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BinaryActivation(torch.autograd.Function):
    """sign(x / s) forward; ApproxSign window (1/s)·max(0, 2 − 2|x/s|) backward (§2.2)."""

    @staticmethod
    def forward(ctx, x, s):
        ctx.save_for_backward(x, s)
        return torch.sign(x)

    @staticmethod
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        xs = x / s
        return g * torch.clamp(2 - 2 * xs.abs(), min=0) / s, None


class BinaryConv(nn.Conv2d):
    """§2.1: per-sample standardised input sign, sign(W) with STE, α from standardised W."""

    def __init__(self, cin, cout, stride):
        super().__init__(cin, cout, 3, stride, 1, bias=False)
        nn.init.kaiming_normal_(self.weight, mode="fan_in", nonlinearity="leaky_relu")

    def forward(self, x):
        n = x.shape[0]
        s = torch.sqrt(x.detach().reshape(n, -1).var(dim=1) + 1e-5).reshape(n, 1, 1, 1)
        a = BinaryActivation.apply(x, s)
        w = self.weight
        with torch.no_grad():
            wf = w.reshape(w.shape[0], -1)
            z = (wf - wf.mean(1, keepdim=True)) / torch.sqrt(wf.var(1, keepdim=True) + 1e-5)
            alpha = z.abs().mean(1).reshape(1, -1, 1, 1)
        b = w + (torch.sign(w) - w).detach()  # STE
        return F.conv2d(a, b, None, self.stride, 1) * alpha


class Block(nn.Module):
    """Bi-Real block with one shortcut per conv and option-A shortcuts (§8.1)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1, self.bn1 = BinaryConv(cin, cout, stride), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = BinaryConv(cout, cout, 1), nn.BatchNorm2d(cout)
        self.pad = (cout - cin) // 2
        self.down = stride != 1 or cin != cout

    def shortcut(self, x):
        if not self.down:
            return x
        x = F.avg_pool2d(x, 2, 2)
        return F.pad(x, (0, 0, 0, 0, self.pad, self.pad))

    def forward(self, x):
        x1 = F.hardtanh(self.bn1(self.conv1(x)) + self.shortcut(x))
        return F.hardtanh(self.bn2(self.conv2(x1)) + x1)


class CResNet20(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16)
        layers, cin = [], 16
        for cout, stride in ((16, 1), (32, 2), (64, 2)):
            for i in range(3):
                layers.append(Block(cin, cout, stride if i == 0 else 1))
                cin = cout
        self.layers = nn.Sequential(*layers)
        self.bn2 = nn.BatchNorm1d(64)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = F.hardtanh(self.bn1(self.conv1(x)))
        x = self.layers(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(self.bn2(x))


def ovsw_step(model, opt, trackers, delta=0.04, lam=9e-4, m=0.999, tau=1e-4):
    """AGS (§4) then SAD (§5) on every binary conv weight's gradient, then the SGD step."""
    with torch.no_grad():
        for mod in model.modules():
            if not isinstance(mod, BinaryConv):
                continue
            w, g = mod.weight, mod.weight.grad
            gn = g.reshape(g.shape[0], -1).norm(dim=1).clamp(min=1e-6)
            pn = w.reshape(w.shape[0], -1).norm(dim=1).clamp(min=1e-3)
            f = torch.where(gn / pn < delta, delta * pn / gn, torch.ones_like(gn))
            g.mul_(f.reshape(-1, 1, 1, 1))
            t, prev = trackers[mod]
            t.mul_(m).add_((torch.sign(w) != torch.sign(prev)).float(), alpha=1 - m)
            g.add_(lam * (t < tau).float() * w)
            prev.copy_(w)
    opt.step()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=5)
    args = ap.parse_args()
    torch.manual_seed(0)
    model = CResNet20().train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    trackers = {
        mod: (torch.zeros_like(mod.weight), mod.weight.detach().clone())
        for mod in model.modules() if isinstance(mod, BinaryConv)
    }
    x = torch.randn(args.batch, 3, 32, 32)
    y = torch.randint(0, 10, (args.batch,))
    times = []
    for s in range(args.steps + 1):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        ovsw_step(model, opt, trackers)
        if s > 0:  # the first step is the warm-up
            times.append(time.perf_counter() - t0)
    if not torch.isfinite(loss):
        raise SystemExit(f"loss is {loss.item()}")
    step = sorted(times)[len(times) // 2]
    print(json.dumps({
        "images_per_second": args.batch / step,
        "step_ms": step * 1000,
        "threads": torch.get_num_threads(),
        "version": torch.__version__,
    }))


if __name__ == "__main__":
    main()
