"""The student edition as a git branch that nbgitpuller pulls into each student's home, and the link that does it.

    python -m course_utils.hub publish student build/hub/course.git      # make student's output -> branch `student`
    python -m course_utils.hub link --repo URL --branch student --hub https://hub.example.org

`publish` commits the notebooks of a student edition folder (`make student` writes one) to `notebooks/` and
the figures they show to `images/` (their `../images/NAME` links then work) on one branch of a git
repository, creating a bare repository where none exists. Each publish adds one commit on top of the
branch: students' clones share its history, which nbgitpuller needs to merge a new edition into their work.
Notebooks are written the way Jupyter saves them (`nbformat.writes`: sorted keys, one JSON line per source
line), so a student's save changes only the lines the student changed, and git merges line by line.

`link` prints the nbgitpuller link for a hub: opening it clones the branch into `~/rnn-course` on the first
visit, and on every later visit merges the new commits into the student's copy (nbgitpuller's rules, see
README "Running a class": the student's lines win where both sides changed the same lines).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import nbformat

from course_utils.classroom import IMAGE_LINK  # the notebooks' links to ../images/NAME

BRANCH = "student"  # the published branch the students pull
TARGET = "rnn-course"  # the folder in each student's home
REPO_SCHEMES = ("https", "http", "ssh", "git", "file")
GIT_IDENTITY = ["-c", "user.name=RNN course", "-c", "user.email=course@localhost"]
README = """\
# RNN course: student edition

Published by `python -m course_utils.hub publish`. Open the notebooks in `notebooks/`. When the course
changes, open the course link again: the new and changed notebooks arrive and every edit you made is kept
(where you and the course changed the same lines, your version stays).
"""


def git(*args, cwd=None):
    """Run git; return its stdout (str). A failure raises RuntimeError with git's own message."""
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"git {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def git_pull_query(repo_url, branch=BRANCH, *, target=TARGET):
    """The query string of nbgitpuller's `git-pull` endpoint: clone or merge `branch` into ~/`target`, open it."""
    if not isinstance(repo_url, str) or not (urlsplit(repo_url).scheme in REPO_SCHEMES or repo_url.startswith("git@")):
        raise ValueError(f"repo_url must be a git URL ({', '.join(s + '://' for s in REPO_SCHEMES)} or git@host:path), "
                         f"got {repo_url!r}")
    if not re.fullmatch(r"[\w./-]+", branch or "") or branch.startswith(("-", "/")):
        raise ValueError(f"branch must be a git branch name (letters, digits, '_', '-', '.', '/'), got {branch!r}")
    if not re.fullmatch(r"[\w.-]+", target or "") or target in (".", ".."):
        raise ValueError(f"target must be one folder name in the student's home, got {target!r}")
    return urlencode({"repo": repo_url, "branch": branch, "targetpath": target,
                      "urlpath": f"lab/tree/{target}/notebooks"})


def puller_link(repo_url, branch, hub_url, *, target=TARGET):
    """The nbgitpuller link a student opens: `HUB/hub/user-redirect/git-pull?repo=...&branch=...`.

    The hub sends each logged-in student to their own server (`user-redirect`), which pulls `branch` of
    `repo_url` into ~/`target` and opens `target/notebooks` in JupyterLab.
    """
    parts = urlsplit(hub_url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"hub_url must be the hub's address, http(s)://host[:port][/prefix], got {hub_url!r}")
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{git_pull_query(repo_url, branch, target=target)}"


def edition_files(student_dir, images_dir):
    """{relative path: bytes} of what `publish` commits: notebooks/*.ipynb (as Jupyter writes them), images/, README."""
    student_dir, images_dir = Path(student_dir), Path(images_dir)
    notebooks = sorted(student_dir.glob("*.ipynb"))
    if not notebooks:
        raise ValueError(f"student_dir must hold the student edition (make student), found no *.ipynb in {student_dir}")
    files, images = {"README.md": README.encode()}, set()
    for path in notebooks:
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        images.update(IMAGE_LINK.findall(json.dumps(nb)))
        text = nbformat.writes(nb)
        files[f"notebooks/{path.name}"] = (text if text.endswith("\n") else text + "\n").encode()  # as Jupyter saves
    missing = sorted(name for name in images if not (images_dir / name).is_file())
    if missing:
        raise ValueError(f"the notebooks show images missing from {images_dir}: {missing}")
    files.update({f"images/{name}": (images_dir / name).read_bytes() for name in sorted(images)})
    return files


def publish(student_dir, repo, *, branch=BRANCH, images_dir=None, message="Publish the student edition"):
    """Commit the student edition in `student_dir` to `branch` of the git repository `repo`; return the commit.

    `repo` is a path or URL git can push to; a path that does not exist becomes a new bare repository,
    readable by every local user (the students' servers clone it). `images_dir` defaults to the
    `images/` beside `student_dir` or, failing that, the course's. The commit replaces the branch's files
    with the edition's and goes on top of the branch's history (never a rewrite). Returns the branch's
    commit hash: the new one, or the old one when nothing changed.
    """
    student_dir = Path(student_dir)
    if images_dir is None:
        images_dir = student_dir.parent / "images"
        if not images_dir.is_dir():
            images_dir = Path(__file__).resolve().parents[1] / "images"
    files = edition_files(student_dir, images_dir)
    if "://" not in str(repo) and not Path(repo).exists():
        Path(repo).parent.mkdir(parents=True, exist_ok=True)
        git("init", "--quiet", "--bare", "--shared=0644", f"--initial-branch={branch}", str(repo))
    with tempfile.TemporaryDirectory(prefix="publish-") as work:
        git("clone", "--quiet", str(repo), work)
        if git("ls-remote", "--heads", "origin", branch, cwd=work).strip():
            git("checkout", "--quiet", "-B", branch, f"origin/{branch}", cwd=work)
        else:
            git("checkout", "--quiet", "--orphan", branch, cwd=work)
        for old in ("notebooks", "images", "README.md"):  # what the edition no longer has goes away
            path = Path(work) / old
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        for rel, data in files.items():
            (Path(work) / rel).parent.mkdir(parents=True, exist_ok=True)
            (Path(work) / rel).write_bytes(data)
        git("add", "--all", cwd=work)
        if git("status", "--porcelain", cwd=work).strip():
            git(*GIT_IDENTITY, "commit", "--quiet", "-m", message, cwd=work)
            git("push", "--quiet", "origin", f"HEAD:refs/heads/{branch}", cwd=work)
        return git("rev-parse", "HEAD", cwd=work).strip()


def usable_by_all(path):
    """True when every local account can reach and read `path` (each folder on the way, links resolved)."""
    path = Path(os.path.realpath(path))
    if not path.exists() or not path.stat().st_mode & 0o004:
        return False
    return all(folder.stat().st_mode & 0o001 for folder in path.parents)


def server_python(dest):
    """A Python that every local account can run, with this environment's packages: its path (str).

    The students' servers run as the students. This interpreter serves where it and its standard library
    are readable by all. Where they are not (a pyenv Python under /root, say), `dest` becomes a venv of a
    readable Python of the same version (/usr/bin/python3.11, say) that imports this environment's
    site-packages and shares its share/ and etc/ (JupyterLab's assets, the server extensions' config).
    """
    if usable_by_all(sys.executable) and usable_by_all(sysconfig.get_paths()["stdlib"]):
        return sys.executable
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    folders = os.environ.get("PATH", "").split(os.pathsep) + ["/usr/local/bin", "/usr/bin"]
    candidates = [shutil.which(f"python{version}", path=folder) for folder in folders]
    base = next((c for c in candidates if c and usable_by_all(c)
                 and usable_by_all(Path(os.path.realpath(c)).parents[1] / "lib" / f"python{version}")), None)
    if base is None:
        raise RuntimeError(f"this Python ({os.path.realpath(sys.executable)}) is not readable by other accounts, "
                           f"and no python{version} on PATH, /usr/local/bin or /usr/bin is: install one "
                           f"(Debian: apt-get install python{version}) or build the venv from a readable Python")
    dest = Path(dest).resolve()
    if not (dest / "bin" / "python").exists():
        subprocess.run([base, "-m", "venv", "--without-pip", str(dest)], check=True)
    site = sysconfig.get_paths()["purelib"]
    (dest / "lib" / f"python{version}" / "site-packages" / "course-environment.pth").write_text(
        f"import site; site.addsitedir({site!r})\n")  # addsitedir runs its .pth files too (editable course_utils)
    for shared in ("share", "etc"):
        link = dest / shared
        if link.is_symlink() or link.exists():
            shutil.rmtree(link) if link.is_dir() and not link.is_symlink() else link.unlink()
        link.symlink_to(Path(sys.prefix) / shared)
    if not usable_by_all(dest / "pyvenv.cfg"):
        raise RuntimeError(f"{dest} is not reachable by other accounts (a folder above it is private): "
                           f"put the server Python elsewhere")
    return str(dest / "bin" / "python")


def main(argv=None):
    """Command line: `publish STUDENT_DIR REPO [--branch B]` and `link --repo URL --hub URL [--branch B]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    pub = commands.add_parser("publish", help="commit a student edition folder to a branch of a git repository")
    pub.add_argument("student_dir", help="the student edition (make student writes student/)")
    pub.add_argument("repo", help="git repository (a path that does not exist becomes a bare repository)")
    pub.add_argument("--branch", default=BRANCH, help=f"branch to publish to (default {BRANCH})")
    pub.add_argument("--images", help="folder of the figures (default: images/ beside student_dir)")
    link = commands.add_parser("link", help="print the nbgitpuller link students open")
    link.add_argument("--repo", required=True, help="URL of the repository holding the published branch")
    link.add_argument("--branch", default=BRANCH, help=f"the published branch (default {BRANCH})")
    link.add_argument("--hub", required=True, help="the hub's URL, e.g. https://hub.example.org")
    link.add_argument("--target", default=TARGET, help=f"folder in each student's home (default {TARGET})")
    server = commands.add_parser("server-python", help="print a Python every account can run (making one in DEST "
                                                       "if this one is private)")
    server.add_argument("dest", help="where to make the venv when one is needed")
    args = parser.parse_args(argv)
    try:
        if args.command == "publish":
            commit = publish(args.student_dir, args.repo, branch=args.branch, images_dir=args.images)
            print(f"published {args.student_dir} to {args.repo} branch {args.branch} at {commit[:12]}")
        elif args.command == "link":
            print(puller_link(args.repo, args.branch, args.hub, target=args.target))
        else:
            print(server_python(args.dest))
    except (ValueError, RuntimeError) as err:
        raise SystemExit(f"error: {err}") from None


if __name__ == "__main__":
    main()
