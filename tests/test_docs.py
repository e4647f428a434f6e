#!/usr/bin/python3
"""Every code block of README.md and docs/*.md works as written (issue 25 item 7), so the
documentation cannot drift from the program.

  test_docs.py SOURCE_DIR BUILD_DIR      (TESSERA_LIB: libtessera.so)

A fenced block says what it is by its info string, and is checked so:
  sh            run with bash -e -o pipefail, from a folder that looks like the source folder (its
                entries linked) with `build` linked to BUILD_DIR; must exit 0
  sh setup      one of the README's two set-up commands; the script must exist, and
                .ci/run must run the test command
  sh long       benchmarks and builds of minutes: every command's script or program must
                exist and each line must parse (bash -n); not run
  c             compiled against include/ and BUILD_DIR's libtessera.so, then run: exit 0
  python        run with python3 (TESSERA_LIB set): exit 0
  xml           a whole platform: `tessera validate` accepts it
  xml fragment  well-formed, and every element it names is an element of the platform schema
  text          shown output or a folder listing: not run
Any other block, and any indented (unfenced) code block, is an error: a block nobody
checks is a block that drifts.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

ROOT, BUILD = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
FILES = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)


def blocks():
    """(file, line, info, code) for every fenced block of the documentation."""
    for path in FILES:
        with open(path) as f:
            text = f.read()
        for m in FENCE.finditer(text):
            yield os.path.relpath(path, ROOT), text.count("\n", 0, m.start()) + 1, m.group(1).strip(), m.group(2)


def workspace():
    """A folder whose entries are the source folder's, with `build` the build folder: the
    blocks' relative paths (platforms/, build/tessera, python/) resolve as in the source."""
    tmp = tempfile.mkdtemp(prefix="tessera-docs-")
    for entry in os.listdir(ROOT):
        if entry not in ("build", ".git"):
            os.symlink(os.path.join(ROOT, entry), os.path.join(tmp, entry))
    os.symlink(BUILD, os.path.join(tmp, "build"))
    return tmp


class Docs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = workspace()
        cls.env = {**os.environ, "TESSERA_LIB": os.environ.get("TESSERA_LIB", os.path.join(BUILD, "libtessera.so"))}
        cls.blocks = list(blocks())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def of_kind(self, kind):
        """(file, line, code) of every block of one kind."""
        return [(f, line, code) for f, line, info, code in self.blocks if info == kind]

    def where(self, f, line):
        return f"{f}:{line}"

    def test_the_docs_have_blocks_of_every_kind(self):
        kinds = {info for _, _, info, _ in self.blocks}
        for want in ("sh", "sh setup", "sh long", "c", "python", "xml", "xml fragment"):
            self.assertIn(want, kinds)

    def test_no_block_goes_unchecked(self):
        known = {"sh", "sh setup", "sh long", "c", "python", "xml", "xml fragment", "text"}
        for f, line, info, _ in self.blocks:
            self.assertIn(info, known, f"{self.where(f, line)}: a ```{info} block no test checks")
        for path in FILES:  # indented code blocks: four spaces after a blank line, outside fences
            with open(path) as fh:
                lines = fh.read().split("\n")
            fenced = False
            for i, l in enumerate(lines):
                if l.startswith("```"):
                    fenced = not fenced
                elif not fenced and l.startswith("    ") and i > 0 and lines[i - 1] == "":
                    self.fail(f"{os.path.relpath(path, ROOT)}:{i + 1}: an indented code block; fence it with its kind")

    def test_shell_blocks_run(self):
        for f, line, code in self.of_kind("sh"):
            with self.subTest(block=self.where(f, line)):
                # every command of a pipeline must succeed (pipefail); SIGPIPE ignored, so that a
                # command cut short by `| head` ends normally instead of by the signal
                r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", "trap '' PIPE\n" + code], cwd=self.work,
                                   env=self.env, capture_output=True, text=True, timeout=300)
                self.assertEqual(r.returncode, 0, f"{self.where(f, line)}:\n{code}\n{r.stdout[-2000:]}{r.stderr[-2000:]}")

    def test_the_two_setup_commands_are_the_scripts_ci_runs(self):
        setup = [(f, code.strip()) for f, _, code in self.of_kind("sh setup")]
        self.assertEqual([c for _, c in setup], ["bash scripts/run-default.sh", "bash scripts/test.sh"])
        self.assertTrue(all(f == "README.md" for f, _ in setup))
        for _, c in setup:
            self.assertTrue(os.path.isfile(os.path.join(ROOT, c.split()[1])), c)
        with open(os.path.join(ROOT, ".ci", "run")) as fh:
            self.assertIn("scripts/test.sh", fh.read())

    def test_long_commands_name_what_exists(self):
        for f, line, code in self.of_kind("sh long"):
            for k, text in enumerate(code.split("\n")):
                cmd = text.split("#", 1)[0].strip()
                if not cmd:
                    continue
                where = f"{self.where(f, line + 1 + k)}: {cmd}"
                r = subprocess.run(["bash", "-n", "-c", cmd], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, f"{where}: {r.stderr}")
                words = cmd.split()
                if words[0] in ("bash", "sh", "python3"):
                    self.assertTrue(os.path.isfile(os.path.join(ROOT, words[1])), where)
                elif words[0].startswith("build/"):
                    self.assertTrue(os.path.isfile(os.path.join(BUILD, words[0][len("build/"):])), where)
                else:
                    self.assertIsNotNone(shutil.which(words[0]), where)

    def test_c_blocks_compile_and_run(self):
        for f, line, code in self.of_kind("c"):
            with self.subTest(block=self.where(f, line)):
                src = os.path.join(self.work, "..", os.path.basename(self.work) + f"-{line}.c")
                exe = src[:-2]
                with open(src, "w") as fh:
                    fh.write(code)
                cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
                r = subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", src, "-o", exe,
                                    "-I", os.path.join(ROOT, "include"), "-L", BUILD, "-ltessera",
                                    f"-Wl,-rpath,{BUILD}"], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, f"{self.where(f, line)}: {r.stderr}")
                r = subprocess.run([exe], cwd=self.work, env=self.env, capture_output=True, text=True, timeout=300)
                os.remove(src)
                os.remove(exe)
                self.assertEqual(r.returncode, 0, f"{self.where(f, line)}: {r.stdout[-1000:]}{r.stderr[-1000:]}")

    def test_python_blocks_run(self):
        for f, line, code in self.of_kind("python"):
            with self.subTest(block=self.where(f, line)):
                r = subprocess.run(["/usr/bin/python3", "-c", code], cwd=self.work, env=self.env,
                                   capture_output=True, text=True, timeout=300)
                self.assertEqual(r.returncode, 0, f"{self.where(f, line)}: {r.stderr[-2000:]}")

    def test_xml_platforms_validate(self):
        for f, line, code in self.of_kind("xml"):
            with self.subTest(block=self.where(f, line)):
                path = os.path.join(self.work, "..", os.path.basename(self.work) + f"-{line}.xml")
                with open(path, "w") as fh:
                    fh.write(code)
                self.assertTrue(code.lstrip().startswith("<platform"), f"{self.where(f, line)}: not a platform")
                r = subprocess.run([os.path.join(BUILD, "tessera"), "validate", path], capture_output=True, text=True)
                os.remove(path)
                self.assertEqual(r.returncode, 0, f"{self.where(f, line)}: {r.stdout}{r.stderr}")

    def test_xml_fragments_name_elements_of_the_schema(self):
        with open(os.path.join(ROOT, "platforms", "schema", "platform.xsd")) as fh:
            schema = set(re.findall(r'<xs:element\s+name="([^"]+)"', fh.read()))
        self.assertIn("platform", schema)
        for f, line, code in self.of_kind("xml fragment"):
            with self.subTest(block=self.where(f, line)):
                root = ET.fromstring("<fragment>" + code + "</fragment>")
                for el in root.iter():
                    if el is not root:
                        self.assertIn(el.tag, schema, f"{self.where(f, line)}: <{el.tag}> is not a platform element")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
