"""The one error type of the imports app, with the problems it found."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a mapping or a file: where (file/role, column or field) and why."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}" if self.where else self.reason


class ImportsError(ValueError):
    """A mapping or a file that cannot be imported as given; `problems` says each reason."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))
