"""Every failure a user can act on, as one exception tree.

    NtpKgError                 exit code 2 unless stated
    ├── DataRootError          the project's data files cannot be found
    ├── SeedError              a seeds/ file cannot be read or parsed (file, line)
    ├── LintError              facts disagree with their source            (exit 1)
    ├── ValidationFailed       the graph does not conform to shapes/        (exit 1)
    ├── IriCollision           two different things would get one IRI
    ├── UnsafeOutput           an output folder that is not ours to replace
    ├── OutputError            the build could not be written (disk full...); dist/ unchanged
    └── QueryError             a SPARQL query cannot be parsed or run

Exceptions are for failures; the findings of lint and validation are values
(`LintReport`, `ValidationReport`) that the CLI turns into exit codes.
"""

from __future__ import annotations


class NtpKgError(Exception):
    """Base class: a message a user can act on, and the CLI exit code."""

    exit_code: int = 2


class DataRootError(NtpKgError):
    pass


class SeedError(NtpKgError):
    """A seed file is unreadable or malformed; the message names file, line and field."""

    def __init__(self, file: str, message: str, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.message = message
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[type[SeedError], tuple[str, str, int | None]]:
        """Pickled with its own arguments (the map's worker process sends it back: `forkmap`)."""
        return (type(self), (self.file, self.message, self.line))


class LintError(NtpKgError):
    exit_code = 1


class ValidationFailed(NtpKgError):
    exit_code = 1


class IriCollision(NtpKgError):
    pass


class UnsafeOutput(NtpKgError):
    pass


class OutputError(NtpKgError):
    """Writing the build failed (no space, a file size limit, permissions); nothing was replaced."""


class QueryError(NtpKgError):
    pass
