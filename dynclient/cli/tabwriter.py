"""A port of Go's ``text/tabwriter``, in the variant kubectl prints tables with.

kubectl aligns every table through cli-runtime's ``printers.GetNewTabWriter``:
``github.com/liggitt/tabwriter`` (a fork of ``text/tabwriter`` at Go commit
cf2c2ea8 that adds ``RememberWidths``) with minwidth 6, tabwidth 4, padding 3,
pad character ``' '`` and the ``RememberWidths`` flag. ``new_tab_writer``
returns exactly that writer; ``TabWriter`` takes any of the upstream options.

The algorithm is the Elastic Tabstops one of the original: cells are
*terminated* by ``\\t``; the text after the last tab of a line is not part of
any column and is never padded; a column is a run of adjacent lines that have
a cell at that index; a line with a single cell (no tab) flushes the writer.
With ``RememberWidths`` a column never gets narrower than it was in an
earlier flush, until ``set_remembered_widths(None)``.

Widths are counted in code points, as Go counts runes. The ``Escape`` byte
(0xff) and ``FilterHTML`` are not supported: kubectl uses neither, and 0xff
is a valid character (``ÿ``) in a Python string.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Protocol, Sequence

__all__ = [
    "TabWriter",
    "new_tab_writer",
    "ALIGN_RIGHT",
    "DISCARD_EMPTY_COLUMNS",
    "TAB_INDENT",
    "DEBUG",
    "REMEMBER_WIDTHS",
]

# Flag values as in the Go package (FilterHTML = 1, StripEscape = 2 are not supported).
ALIGN_RIGHT = 1 << 2
DISCARD_EMPTY_COLUMNS = 1 << 3
TAB_INDENT = 1 << 4
DEBUG = 1 << 5
REMEMBER_WIDTHS = 1 << 6


class _Output(Protocol):
    def write(self, text: str) -> object: ...


@dataclass
class _Cell:
    size: int = 0  # characters of text in buf
    width: int = 0  # display width (code points)
    htab: bool = False  # terminated by '\t' (as opposed to '\v' or a line break)


class TabWriter:
    """Aligns tab-terminated cells of consecutive lines; call ``flush()`` when done."""

    def __init__(
        self,
        output: _Output,
        minwidth: int = 0,
        tabwidth: int = 8,
        padding: int = 1,
        padchar: str = " ",
        flags: int = 0,
    ) -> None:
        if minwidth < 0 or tabwidth < 0 or padding < 0:
            raise ValueError("negative minwidth, tabwidth, or padding")
        if len(padchar) != 1:
            raise ValueError("padchar must be a single character")
        self.output = output
        self.minwidth = minwidth
        self.tabwidth = tabwidth
        self.padding = padding
        self.padchar = padchar
        if padchar == "\t":
            flags &= ~ALIGN_RIGHT  # tab padding enforces left alignment
        self.flags = flags
        self._maxwidths: List[int] = []
        self._reset()

    # -- state ------------------------------------------------------------------

    def _reset(self) -> None:
        self._buf: List[str] = []  # text of terminated cells, one entry per cell
        self._text = ""  # text of the current, unterminated cell
        self._cell = _Cell()
        self._lines: List[List[_Cell]] = [[]]
        self._widths: List[int] = []

    def remembered_widths(self) -> List[int]:
        """The per-column maximum widths kept across flushes (``RememberWidths``)."""
        return list(self._maxwidths)

    def set_remembered_widths(self, widths: Optional[Sequence[int]]) -> "TabWriter":
        """Replace the remembered widths; ``None`` forgets them (kubectl does so per table)."""
        self._maxwidths = list(widths or [])
        return self

    # -- input ------------------------------------------------------------------

    def write(self, text: str) -> int:
        """Buffer ``text``; a line without any tab flushes everything buffered so far."""
        start = 0
        for i, ch in enumerate(text):
            if ch in "\t\v\n\f":
                self._append(text[start:i])
                start = i + 1
                ncells = self._terminate_cell(ch == "\t")
                if ch in "\n\f":
                    self._lines.append([])
                    if ch == "\f" or ncells == 1:
                        # A line of one cell cannot affect the layout of later lines.
                        self.flush()
                        if ch == "\f" and self.flags & DEBUG:
                            self._write0("---\n")
        self._append(text[start:])
        return len(text)

    def flush(self) -> None:
        """Format and write everything buffered, then start afresh."""
        try:
            if self._cell.size > 0:
                self._terminate_cell(False)
            self._format(0, 0, len(self._lines))
        finally:
            self._reset()

    def _append(self, text: str) -> None:
        if text:
            self._text += text
            self._cell.size += len(text)
            self._cell.width += len(text)

    def _terminate_cell(self, htab: bool) -> int:
        self._cell.htab = htab
        line = self._lines[-1]
        line.append(self._cell)
        self._buf.append(self._text)
        self._text = ""
        self._cell = _Cell()
        return len(line)

    # -- output -----------------------------------------------------------------

    def _write0(self, text: str) -> None:
        if text:
            self.output.write(text)

    def _write_padding(self, textw: int, cellw: int, use_tabs: bool) -> None:
        if self.padchar == "\t" or use_tabs:
            if self.tabwidth == 0:
                return  # tabs have no width: no padding possible
            cellw = (cellw + self.tabwidth - 1) // self.tabwidth * self.tabwidth
            n = cellw - textw
            if n < 0:
                raise AssertionError("tabwriter: internal error")
            self._write0("\t" * ((n + self.tabwidth - 1) // self.tabwidth))
            return
        self._write0(self.padchar * (cellw - textw))

    def _write_lines(self, cell_index: int, line0: int, line1: int) -> int:
        idx = cell_index
        for i in range(line0, line1):
            line = self._lines[i]
            use_tabs = bool(self.flags & TAB_INDENT)
            for j, c in enumerate(line):
                if j > 0 and self.flags & DEBUG:
                    self._write0("|")
                text = self._buf[idx]
                idx += 1
                if c.size == 0:
                    if j < len(self._widths):
                        self._write_padding(c.width, self._widths[j], use_tabs)
                else:
                    use_tabs = False
                    if not self.flags & ALIGN_RIGHT:
                        self._write0(text)
                        if j < len(self._widths):
                            self._write_padding(c.width, self._widths[j], False)
                    else:
                        if j < len(self._widths):
                            self._write_padding(c.width, self._widths[j], False)
                        self._write0(text)
            if i + 1 == len(self._lines):
                # The last buffered line has no line break yet: write its pending text as is.
                self._write0(self._text)
            else:
                self._write0("\n")
        return idx

    def _format(self, cell_index: int, line0: int, line1: int) -> int:
        idx = cell_index
        column = len(self._widths)
        this = line0
        while this < line1:
            if column >= len(self._lines[this]) - 1:
                this += 1
                continue
            # A cell exists in this column: print the lines before the block first.
            idx = self._write_lines(idx, line0, this)
            line0 = this

            width = self.minwidth
            discardable = True
            while this < line1:
                line = self._lines[this]
                if column >= len(line) - 1:
                    break
                c = line[column]
                width = max(width, c.width + self.padding)
                if c.width > 0 or c.htab:
                    discardable = False
                this += 1

            if discardable and self.flags & DISCARD_EMPTY_COLUMNS:
                width = 0

            if self.flags & REMEMBER_WIDTHS:
                depth = len(self._widths)
                if len(self._maxwidths) < depth:
                    self._maxwidths.extend(self._widths[len(self._maxwidths):])
                if len(self._maxwidths) == depth:
                    self._maxwidths.append(width)
                elif self._maxwidths[depth] > width:
                    width = self._maxwidths[depth]
                elif self._maxwidths[depth] < width:
                    self._maxwidths[depth] = width

            self._widths.append(width)
            idx = self._format(idx, line0, this)
            self._widths.pop()
            line0 = this
        return self._write_lines(idx, line0, line1)


def new_tab_writer(output: _Output) -> TabWriter:
    """kubectl's table writer (cli-runtime ``printers.GetNewTabWriter``)."""
    return TabWriter(output, minwidth=6, tabwidth=4, padding=3, padchar=" ", flags=REMEMBER_WIDTHS)
