"""The one place govkit talks to Jinja2.

Templates ship in the source tree's top-level `templates/` (the wheel maps it to
`govkit/templates`); a workspace's own `templates/` overrides any of them by name.
Markdown templates (`*.md.j2`) write every `{{ value }}` as one line with `|`
escaped, so a record's text can never break a table; HTML templates
(`*.html.j2`) autoescape. Undefined variables fail with the template's file and line.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from govkit.errors import ConflictError, GovkitError, NotFound, ValidationError

SUFFIX = ".j2"


def packaged_dir() -> Path:
    """Where the default templates are: `govkit/templates` of the installed package.

    In a source checkout that is a symlink to the top-level templates/, so there is one
    place to look, and a workspace's templates/ that *is* that directory (govkit's own
    repository) overrides nothing.
    """
    return Path(str(importlib.resources.files("govkit") / "templates"))


@dataclass(frozen=True)
class TemplateInfo:
    """One template name and where it is taken from."""

    name: str  # e.g. "status.md.j2", "site/gate.html.j2"
    # "packaged"; "overridden" (the workspace's copy differs and wins); "same as packaged"
    # (a workspace copy identical to the default); "workspace" (only there)
    source: str
    path: Path


def _names(root: Path) -> dict[str, Path]:
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p for p in root.rglob(f"*{SUFFIX}") if p.is_file()}


def _workspace_dir(workspace_templates: Path | None) -> Path | None:
    # govkit's own repository is a workspace whose templates/ is the packaged directory:
    # its templates are the defaults, not overrides of themselves.
    if workspace_templates is None or not workspace_templates.is_dir():
        return None
    if workspace_templates.resolve() == packaged_dir().resolve():
        return None
    return workspace_templates


def list_templates(workspace_templates: Path | None) -> list[TemplateInfo]:
    """Every template name, packaged or from the workspace, sorted by name."""
    packaged = _names(packaged_dir())
    root = _workspace_dir(workspace_templates)
    local = _names(root) if root else {}
    out = []
    for name in sorted(set(packaged) | set(local)):
        if name not in local:
            out.append(TemplateInfo(name, "packaged", packaged[name]))
        elif name not in packaged:
            out.append(TemplateInfo(name, "workspace", local[name]))
        elif local[name].read_bytes() == packaged[name].read_bytes():
            out.append(TemplateInfo(name, "same as packaged", local[name]))
        else:
            out.append(TemplateInfo(name, "overridden", local[name]))
    return out


def eject(workspace_templates: Path, name: str, *, force: bool = False) -> Path:
    """Copy a packaged template into the workspace's templates/ for editing."""
    packaged = _names(packaged_dir())
    if name not in packaged and f"{name}{SUFFIX}" in packaged:
        name = f"{name}{SUFFIX}"
    if name not in packaged:
        raise NotFound(
            f"no packaged template {name!r}",
            hint=f"packaged templates: {', '.join(sorted(packaged))}",
        )
    target = workspace_templates / name
    if target.exists() and not force:
        raise ConflictError(
            f"{target} exists already", hint="pass --force to overwrite it with the packaged copy"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(packaged[name], tmp)
    tmp.replace(target)
    return target


def md_inline(value: Any) -> str:
    """One table-safe line: newlines collapsed, pipes escaped."""
    if value is None:
        return ""
    text = " ".join(str(value).split())
    return text.replace("|", "\\|")


def _bytecode_cache(cache_dir: Path, flavour: str, options: dict[str, Any]) -> Any:
    """Jinja's file cache of compiled templates in a folder of `cache_dir` (made on first write).

    Jinja keys an entry by template name and source file and checks the source's
    checksum and the Python version on load; the folder's name adds what else the code
    depends on (the Jinja and govkit versions, the environment's options). A damaged
    entry is compiled afresh, and a failed write is no error: a cache is an optimisation.
    """
    import hashlib

    import jinja2

    from govkit import __version__

    tag = hashlib.sha256(
        repr((jinja2.__version__, __version__, flavour, sorted(options.items()))).encode()
    ).hexdigest()[:16]
    directory = cache_dir / f"templates-{flavour}-{tag}"

    class _Cache(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except Exception:  # damaged: what the bucket holds is dropped, then recompiled
                bucket.reset()

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            with contextlib.suppress(OSError):
                directory.mkdir(parents=True, exist_ok=True)
                super().dump_bytecode(bucket)

    return _Cache(str(directory))


class Templates:
    """Renders templates by name, the workspace's copies first.

    With `cache_dir` (the workspace's .govkit/cache), compiled templates are kept there
    (see _bytecode_cache): a template is compiled again only when its text changes.
    """

    def __init__(
        self, workspace_templates: Path | None = None, *, cache_dir: Path | None = None
    ) -> None:
        import jinja2

        roots = [str(p) for p in (_workspace_dir(workspace_templates), packaged_dir()) if p]
        common: dict[str, Any] = {
            "loader": jinja2.FileSystemLoader(roots),
            "undefined": jinja2.StrictUndefined,
            "keep_trailing_newline": True,
            "trim_blocks": True,
            "lstrip_blocks": True,
            "auto_reload": False,
        }
        self._md = jinja2.Environment(finalize=md_inline, autoescape=False, **common)
        self._html = jinja2.Environment(autoescape=True, **common)
        if cache_dir is not None:
            options = {k: v for k, v in common.items() if k != "loader"}
            self._md.bytecode_cache = _bytecode_cache(cache_dir, "md", options)
            self._html.bytecode_cache = _bytecode_cache(cache_dir, "html", options)
        self._roots = [Path(r) for r in roots]

    def render(self, name: str, context: dict[str, Any]) -> str:
        """Render template `name` with `context`; user mistakes become GovkitError."""
        import jinja2

        env = self._html if name.endswith(".html.j2") else self._md
        try:
            return env.get_template(name).render(context)
        except jinja2.TemplateNotFound as exc:
            # The missing one may be a template `name` includes or extends: name that one.
            missing = exc.name if isinstance(exc.name, str) else name
            path, line = self._where(exc.__traceback__)
            raise NotFound(
                f"no template {missing!r}"
                + (f" (used by {name!r})" if missing != name and path is None else ""),
                path=path,
                line=line,
                hint="`govkit templates list` shows them",
            ) from None
        except UnicodeDecodeError as exc:
            raise ValidationError(
                f"template is not valid UTF-8 at byte {exc.start}",
                path=self._undecodable() or name,
                hint="save the template as UTF-8",
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            raise ValidationError(
                f"template syntax error: {exc.message}",
                path=exc.filename or name,
                line=exc.lineno,
            ) from None
        except jinja2.UndefinedError as exc:
            path, line = self._where(exc.__traceback__)
            raise GovkitError(
                f"template uses an undefined value: {exc.message}",
                path=path or name,
                line=line,
                hint="check the variable name against `govkit templates list` defaults",
            ) from None
        except (jinja2.TemplateError, TypeError, AttributeError) as exc:
            path, line = self._where(sys.exc_info()[2])
            raise GovkitError(f"template failed: {exc}", path=path or name, line=line) from None

    def _undecodable(self) -> Path | None:
        # Jinja's loader does not say which file failed to decode; find it.
        for root in self._roots:
            for candidate in sorted(root.rglob(f"*{SUFFIX}")):
                try:
                    candidate.read_bytes().decode("utf-8")
                except UnicodeDecodeError:
                    return candidate
        return None

    def _where(self, tb: TracebackType | None) -> tuple[str | None, int | None]:
        # Jinja rewrites tracebacks so template frames carry the template's own
        # file name and line; the innermost such frame is where it went wrong.
        found: tuple[str | None, int | None] = (None, None)
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.endswith(SUFFIX) and any(
                Path(filename).is_relative_to(root) for root in self._roots
            ):
                found = (filename, tb.tb_lineno)
            tb = tb.tb_next
        return found
