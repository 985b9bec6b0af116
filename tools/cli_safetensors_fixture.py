"""Writes tests/fixtures/cli_safetensors.safetensors and .json with PyTorch.

The official `safetensors` Python package cannot be installed on the build machines (only
npm and Debian are reachable, and Debian does not package it), so this script serialises
torch tensors itself, following the reference serializer's rules: tensors sorted by
descending dtype alignment then name, `__metadata__` first, compact JSON padded with spaces
to a multiple of 8 bytes, little-endian data. The test checks that ovsw decodes this file
and re-encodes it byte for byte.

    python3 tools/cli_safetensors_fixture.py
"""
import json
import struct

import torch

ORDER = ["BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64",
         "I64", "U64"]
TORCH_DTYPE = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64,
               "I32": torch.int32, "U8": torch.uint8, "I16": torch.int16, "F16": torch.float16}

g = torch.Generator().manual_seed(7)
tensors = {
    "features.1.weight": ("F32", torch.randn(4, 3, 3, 3, generator=g)),
    "features.1.bn.running_var": ("F32", torch.rand(4, generator=g)),
    "step": ("I64", torch.tensor([123456789012], dtype=torch.int64)),
    "classifier.bias": ("F64", torch.randn(3, generator=g, dtype=torch.float64)),
    "mask": ("U8", torch.tensor([[1, 0, 1], [0, 0, 1]], dtype=torch.uint8)),
    "scalar": ("F32", torch.tensor(2.5)),
    "counts": ("I32", torch.tensor([-3, 0, 7], dtype=torch.int32)),
}
metadata = {"format": "pt", "library": "ovsw-fixture"}

items = sorted(tensors.items(), key=lambda kv: (-ORDER.index(kv[1][0]), kv[0]))
header = {"__metadata__": metadata}
blobs = []
offset = 0
for name, (dtype, t) in items:
    raw = t.contiguous().numpy().tobytes()  # little-endian host
    header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
    offset += len(raw)
    blobs.append(raw)
hjson = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
hjson += b" " * ((8 - len(hjson) % 8) % 8)
with open("tests/fixtures/cli_safetensors.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(hjson)))
    f.write(hjson)
    for b in blobs:
        f.write(b)

expected = {
    "metadata": metadata,
    "order": [name for name, _ in items],
    "tensors": {
        name: {"dtype": dtype, "shape": list(t.shape),
               "values": [str(v) if dtype == "I64" else float(v) for v in t.flatten().tolist()]}
        for name, (dtype, t) in tensors.items()
    },
}
with open("tests/fixtures/cli_safetensors.json", "w") as f:
    json.dump(expected, f, indent=1)
print("wrote", offset, "data bytes")
