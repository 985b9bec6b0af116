import assert from "node:assert/strict";
import { withTempDir } from "./_test_helpers.ts";
import { DatasetError } from "./errors.ts";
import { evenSubset, listImageFolder } from "./image_folder.ts";
import { openImageFolder } from "./image_folder_data.ts";
import { loadData } from "./load.ts";

async function touch(path: string): Promise<void> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeFile(path, new Uint8Array());
}

Deno.test("listImageFolder: sorted classes, recursive sorted files, image extensions only", async () => {
  await withTempDir(async (dir) => {
    for (
      const f of [
        "zebra/b.jpg",
        "zebra/a.JPEG",
        "ant/x/y/deep.png",
        "ant/c.webp",
        "ant/b.txt",
        "Bee/q.Tif",
      ]
    ) {
      await touch(`${dir}/${f}`);
    }
    const s = listImageFolder(dir);
    assert.deepEqual(s.classes, ["Bee", "ant", "zebra"]); // code-point order, as Python sorts
    assert.deepEqual(s.files.map((f) => f.slice(dir.length + 1)), [
      "Bee/q.Tif",
      "ant/c.webp",
      "ant/x/y/deep.png",
      "zebra/a.JPEG",
      "zebra/b.jpg",
    ]);
    assert.deepEqual([...s.labels], [0, 1, 1, 2, 2]);
    assert.equal(s.count, 5);
    assert.equal(s.numClasses, 3);
  });
});

Deno.test("listImageFolder: empty class, no classes, missing directory, class mismatch", async () => {
  await withTempDir(async (dir) => {
    await touch(`${dir}/a/1.jpg`);
    await touch(`${dir}/b/notes.txt`); // no image file: an empty class
    assert.throws(() => listImageFolder(dir), (e: Error) => {
      assert.ok(e instanceof DatasetError);
      assert.equal(e.file, `${dir}/b`);
      assert.match(e.message, /no image file in class directory b/);
      return true;
    });
    await Deno.remove(`${dir}/b`, { recursive: true });
    assert.throws(() => listImageFolder(dir, ["a", "c"]), /missing: c/);
    assert.throws(() => listImageFolder(`${dir}/a`), /no class directories/);
    assert.throws(() => listImageFolder(`${dir}/nope`), /nope: cannot read the image folder/);
  });
});

Deno.test("evenSubset keeps every class's share", () => {
  const files = Array.from({ length: 9 }, (_, i) => `f${i}`);
  const s = {
    root: "r",
    classes: ["a", "b", "c"],
    files,
    labels: new Uint32Array([0, 0, 0, 1, 1, 1, 2, 2, 2]),
    count: 9,
    numClasses: 3,
    source: "r",
  };
  const sub = evenSubset(s, 3);
  assert.deepEqual(sub.files, ["f0", "f3", "f6"]);
  assert.deepEqual([...sub.labels], [0, 1, 2]);
  assert.equal(evenSubset(s), s);
  assert.throws(() => evenSubset(s, 0), /positive integer/);
});

Deno.test("openImageFolder: train/val layout, limits, imagenet's class count, loadData refers", async () => {
  await withTempDir(async (dir) => {
    for (const split of ["train", "validation"]) {
      for (const cls of ["n01", "n02"]) {
        for (const f of ["a.jpg", "b.jpg"]) await touch(`${dir}/${split}/${cls}/${f}`);
      }
    }
    const d = openImageFolder({ dataset: "folder", dataDir: dir, trainLimit: 2, imageSize: 32 });
    assert.deepEqual(d.classes, ["n01", "n02"]);
    assert.deepEqual([...d.train.labels], [0, 1]);
    assert.equal(d.test.count, 4);
    assert.equal(d.testTransform.resize, 37); // round(32 · 256 / 224)
    assert.throws(
      () => openImageFolder({ dataset: "imagenet", dataDir: dir }),
      /ImageNet has 1000 class directories, found 2; use --dataset folder/,
    );
    assert.throws(
      () => openImageFolder({ dataset: "folder", dataDir: dir, testLimit: 5 }),
      /--test-limit 5 is more than the 4 images/,
    );
    assert.throws(
      () => openImageFolder({ dataset: "folder", dataDir: `${dir}/train` }),
      /no training directory \(expected train\/<class>\/<image>\)/,
    );
    await assert.rejects(() => loadData({ dataset: "imagenet", dataDir: dir }), /openImageFolder/);
  });
});
