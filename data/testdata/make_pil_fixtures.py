"""Makes the Pillow reference outputs for data/resample_test.ts and data/decode_test.ts.

Run with Debian's python3-pil (Pillow 9.4): /usr/bin/python3 data/testdata/make_pil_fixtures.py
Tests never run Python; they read pil_reference.json and cmyk.jpg.
"""
import json, os
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))

def pattern(w, h):
    """The synthetic RGB image both sides build: byte (x·37 + y·91 + c·53 + x·y) mod 256."""
    img = Image.new("RGB", (w, h))
    img.putdata([tuple((x * 37 + y * 91 + c * 53 + x * y) % 256 for c in range(3))
                 for y in range(h) for x in range(w)])
    return img

def planar(img):
    w, h = img.size
    px = list(img.getdata())
    return [px[i][c] for c in range(3) for i in range(w * h)]

cases = []
# RandomResizedCrop: crop (top, left, height, width) then resize to out×out (BILINEAR, antialiased).
for (w, h, top, left, ch, cw, out) in [
    (23, 17, 2, 3, 12, 15, 8), (23, 17, 0, 0, 17, 23, 9), (23, 17, 4, 5, 5, 6, 11),
    (40, 9, 0, 10, 9, 12, 7), (23, 17, 1, 1, 7, 7, 7), (64, 48, 3, 2, 40, 50, 13),
]:
    res = pattern(w, h).crop((left, top, left + cw, top + ch)).resize((out, out), Image.BILINEAR)
    cases.append({"kind": "crop", "width": w, "height": h, "box": [top, left, ch, cw],
                  "out": out, "planar": planar(res)})
# Resize(shorter side) then CenterCrop, torchvision's eval transform.
for (w, h, short, crop) in [(23, 17, 13, 11), (17, 23, 13, 11), (64, 48, 20, 17), (30, 30, 30, 25)]:
    img = pattern(w, h)
    if w <= h:
        nw, nh = short, int(short * h / w)
    else:
        nw, nh = int(short * w / h), short
    res = img.resize((nw, nh), Image.BILINEAR)
    top, left = int(round((nh - crop) / 2.0)), int(round((nw - crop) / 2.0))
    res = res.crop((left, top, left + crop, top + crop))
    cases.append({"kind": "eval", "width": w, "height": h, "short": short, "crop": crop,
                  "planar": planar(res)})

# A CMYK JPEG made by Pillow and what Pillow's convert("RGB") makes of it once decoded.
cmyk = Image.new("CMYK", (12, 8))
cmyk.putdata([((x * 20) % 256, (y * 30) % 256, (x * y * 7) % 256, (x + y) * 9 % 256)
              for y in range(8) for x in range(12)])
path = os.path.join(HERE, "cmyk.jpg")
cmyk.save(path, quality=95)
decoded = Image.open(path)
assert decoded.mode == "CMYK"
rgb = decoded.convert("RGB")
cmyk_case = {"width": 12, "height": 8, "planar": planar(rgb)}

with open(os.path.join(HERE, "pil_reference.json"), "w") as f:
    json.dump({"pillow": Image.__version__, "resample": cases, "cmyk": cmyk_case}, f)
