"""go-yaml v2's scalar rules on top of PyYAML's emitter.

PyYAML's emitter and go-yaml's are both ports of libyaml, and their
structure code (block mappings and sequences, indentation, simple and
complex keys) still agrees. Their scalar code drifted apart; ``GoEmitter``
overrides exactly those parts with ports of go-yaml v2 ``emitterc.go``:

* ``yaml_emitter_analyze_scalar``: ``\\r`` is a line break, and characters
  outside the BMP, C1 controls (U+0085 included) and the BOM are not printable;
* ``yaml_emitter_check_simple_key``: an empty key is simple, the limit is
  128 bytes;
* ``yaml_emitter_select_scalar_style``;
* ``write_plain``/``write_single_quoted``/``write_double_quoted``: where long
  lines fold and how escapes are spelled (``\\e``, ``\\U0001F600``);
* ``yaml_emitter_write_indent``.
"""

from __future__ import annotations

import yaml
import yaml.emitter

__all__ = ["GoEmitter", "go_printable"]


def go_printable(ch: str) -> bool:
    """go-yaml's ``is_printable``: no C1 controls (so no U+0085), no BOM, nothing outside the BMP."""
    return (
        ch == "\n"
        or " " <= ch <= "~"
        or "\xa0" <= ch <= "\ud7ff"
        or ("\ue000" <= ch <= "\ufffd" and ch != "\ufeff")
    )


_BREAKS = "\r\n\x85\u2028\u2029"
_ESCAPES = {
    "\0": "0", "\x07": "a", "\x08": "b", "\t": "t", "\n": "n", "\x0b": "v", "\x0c": "f", "\r": "r",
    "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_", "\u2028": "L", "\u2029": "P",
}


class GoEmitter(yaml.emitter.Emitter):
    """PyYAML's emitter with go-yaml v2's scalar analysis, style choice and scalar writers.

    Both descend from libyaml, but their scalar code drifted apart: go-yaml
    treats ``\\r`` as a line break, rejects characters outside the BMP and
    U+0085 as unprintable, allows an empty simple key, and folds long
    double-quoted strings differently. The structure code is the same.
    """

    def analyze_scalar(self, scalar: str) -> yaml.emitter.ScalarAnalysis:
        # yaml_emitter_analyze_scalar
        if not scalar:
            return yaml.emitter.ScalarAnalysis(
                scalar=scalar, empty=True, multiline=False, allow_flow_plain=False, allow_block_plain=True,
                allow_single_quoted=True, allow_double_quoted=True, allow_block=False)
        block_ind = flow_ind = line_breaks = special = False
        leading_space = leading_break = trailing_space = trailing_break = break_space = space_break = False
        if scalar.startswith(("---", "...")):
            block_ind = flow_ind = True
        preceded_by_ws = True
        previous_space = previous_break = False
        n = len(scalar)
        for i, ch in enumerate(scalar):
            followed_by_ws = i + 1 >= n or scalar[i + 1] in " \t"
            if i == 0:
                if ch in "#,[]{}&*!|>'\"%@`":
                    flow_ind = block_ind = True
                elif ch in "?:":
                    flow_ind = True
                    block_ind = block_ind or followed_by_ws
                elif ch == "-" and followed_by_ws:
                    flow_ind = block_ind = True
            else:
                if ch in ",?[]{}":
                    flow_ind = True
                elif ch == ":":
                    flow_ind = True
                    block_ind = block_ind or followed_by_ws
                elif ch == "#" and preceded_by_ws:
                    flow_ind = block_ind = True
            if not go_printable(ch):
                special = True
            if ch == " ":
                leading_space = leading_space or i == 0
                trailing_space = trailing_space or i == n - 1
                break_space = break_space or previous_break
                previous_space, previous_break = True, False
            elif ch in _BREAKS:
                line_breaks = True
                leading_break = leading_break or i == 0
                trailing_break = trailing_break or i == n - 1
                space_break = space_break or previous_space
                previous_space, previous_break = False, True
            else:
                previous_space = previous_break = False
            preceded_by_ws = ch in " \t\0" or ch in _BREAKS
        flow_plain = block_plain = single = block = True
        if leading_space or leading_break or trailing_space or trailing_break:
            flow_plain = block_plain = False
        if trailing_space:
            block = False
        if break_space:
            flow_plain = block_plain = single = False
        if space_break or special:
            flow_plain = block_plain = single = block = False
        if line_breaks:
            flow_plain = block_plain = False
        if flow_ind:
            flow_plain = False
        if block_ind:
            block_plain = False
        return yaml.emitter.ScalarAnalysis(
            scalar=scalar, empty=False, multiline=line_breaks, allow_flow_plain=flow_plain,
            allow_block_plain=block_plain, allow_single_quoted=single, allow_double_quoted=True,
            allow_block=block)

    def check_simple_key(self) -> bool:
        # yaml_emitter_check_simple_key: no anchors or tags here; the length is in bytes.
        event = self.event
        if isinstance(event, yaml.ScalarEvent):
            if self.analysis is None:
                self.analysis = self.analyze_scalar(event.value)
            return not self.analysis.multiline and len(event.value.encode("utf-8", "surrogatepass")) <= 128
        if isinstance(event, yaml.SequenceStartEvent):
            return self.check_empty_sequence()
        if isinstance(event, yaml.MappingStartEvent):
            return self.check_empty_mapping()
        return isinstance(event, yaml.AliasEvent)

    def choose_scalar_style(self) -> str:
        # yaml_emitter_select_scalar_style; every event here is implicit and untagged.
        event = self.event
        # PyYAML only asks for a style while emitting a scalar (process_tag checks for a
        # ScalarEvent, process_scalar is reached through expect_scalar).
        assert isinstance(event, yaml.ScalarEvent)
        if self.analysis is None:
            self.analysis = self.analyze_scalar(event.value)
        a = self.analysis
        style = event.style or ""
        if self.simple_key_context and a.multiline:
            style = '"'
        if style == "":
            if (self.flow_level and not a.allow_flow_plain) or (not self.flow_level and not a.allow_block_plain):
                style = "'"
            if not a.scalar and (self.flow_level or self.simple_key_context):
                style = "'"
        if style == "'" and not a.allow_single_quoted:
            style = '"'
        if style in ("|", ">") and (not a.allow_block or self.flow_level or self.simple_key_context):
            style = '"'
        return style

    # -- writers ----------------------------------------------------------------

    def _put(self, text: str) -> None:
        self.column += len(text)
        self.stream.write(text)

    def _write_break(self, ch: str) -> None:
        self.stream.write(ch)
        self.column = 0
        self.line += 1

    def write_indent(self) -> None:
        indent = max(self.indent or 0, 0)
        if not self.indention or self.column > indent or (self.column == indent and not self.whitespace):
            self._write_break("\n")
        if self.column < indent:
            self._put(" " * (indent - self.column))
        self.whitespace = True
        self.indention = True

    def write_plain(self, text: str, split: bool = True) -> None:
        if self.root_context:
            self.open_ended = True
        if not text:
            return
        if not self.whitespace:
            self._put(" ")
        spaces = breaks = False
        for i, ch in enumerate(text):
            if ch == " ":
                nxt = text[i + 1] if i + 1 < len(text) else ""
                if split and not spaces and self.column > self.best_width and nxt != " ":
                    self.write_indent()
                else:
                    self._put(ch)
                spaces = True
            elif ch in _BREAKS:
                if not breaks and ch == "\n":
                    self._write_break("\n")
                self._write_break(ch)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self._put(ch)
                self.indention = False
                spaces = breaks = False
        self.whitespace = False
        self.indention = False

    def write_single_quoted(self, text: str, split: bool = True) -> None:
        self.write_indicator("'", True)
        spaces = breaks = False
        last = len(text) - 1
        for i, ch in enumerate(text):
            if ch == " ":
                if split and not spaces and self.column > self.best_width and 0 < i < last and text[i + 1] != " ":
                    self.write_indent()
                else:
                    self._put(ch)
                spaces = True
            elif ch in _BREAKS:
                if not breaks and ch == "\n":
                    self._write_break("\n")
                self._write_break(ch)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self._put("''" if ch == "'" else ch)
                self.indention = False
                spaces = breaks = False
        self.write_indicator("'", False)
        self.whitespace = False
        self.indention = False

    def write_double_quoted(self, text: str, split: bool = True) -> None:
        self.write_indicator('"', True)
        spaces = False
        last = len(text) - 1
        for i, ch in enumerate(text):
            if not go_printable(ch) or ch in _BREAKS or ch in '"\\':
                code = ord(ch)
                esc = _ESCAPES.get(ch)
                if esc is None:
                    esc = f"x{code:02X}" if code <= 0xFF else (f"u{code:04X}" if code <= 0xFFFF else f"U{code:08X}")
                self._put("\\" + esc)
                spaces = False
            elif ch == " ":
                if split and not spaces and self.column > self.best_width and 0 < i < last:
                    self.write_indent()
                    if text[i + 1] == " ":
                        self._put("\\")
                else:
                    self._put(ch)
                spaces = True
            else:
                self._put(ch)
                spaces = False
        self.write_indicator('"', False)
        self.whitespace = False
        self.indention = False
