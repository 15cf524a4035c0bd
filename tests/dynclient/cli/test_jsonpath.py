"""kubectl's JSONPath dialect: every case checked against kubectl 1.32's own output.

The expected texts were produced by
``kubectl label --local -f obj.json x=y -o jsonpath=TEMPLATE`` on ``OBJECT`` (which
holds the label that command adds). A single object keeps int64 numbers, as
kubectl's unstructured decoding gives them; ``test_lists_print_numbers_as_float64``
covers the list case, where kubectl round-trips through ``interface{}``.
Map wildcards are left out: Go visits map keys in random order.
"""

from __future__ import annotations

import pytest

from dynclient.cli.jsonpath import JSONPath, JSONPathError, execute_error_text, parse_error_text, to_float64

OBJECT = {'apiVersion': 'example.com/v1',
 'kind': 'Widget',
 'metadata': {'name': 'jp',
              'namespace': 'ns1',
              'labels': {'app': 'web', 'x': 'y'},
              'annotations': {'a.b/c': 'dotted'}},
 'spec': {'size': 10000000,
          'ratio': 1.5,
          'big': 1e+21,
          'ok': True,
          'nothing': None,
          'html': '<b>&</b>',
          'multi': 'l1\nl2',
          'ports': [{'name': 'http', 'port': 80, 'proto': 'TCP'},
                    {'name': 'https', 'port': 443, 'proto': 'TCP'},
                    {'name': 'dns', 'port': 53, 'proto': 'UDP'}],
          'tags': ['a', 'b', 'c', 'd'],
          'nested': {'x': {'name': 'inner'}},
          'empty': [],
          'unicode': 'héllo'}}

OUTPUTS = [
    ('numbers-bools-null', '{.spec.size} {.spec.ratio} {.spec.big} {.spec.ok} {.spec.nothing}', '10000000 1.5 1e+21 true null'),
    ('wildcard-array', '{.spec.ports[*].port}', '80 443 53'),
    ('filter-string-equal', '{.spec.ports[?(@.proto=="UDP")].name}', 'dns'),
    ('filter-single-quotes', "{.spec.ports[?(@.name=='http')].port}", '80'),
    ('filter-greater', '{.spec.ports[?(@.port>100)].name}', 'https'),
    ('filter-compare-ops', '{.spec.ports[?(@.port<=80)].name} {.spec.ports[?(@.port>=80)].name} {.spec.ports[?(@.port!=80)].name}', 'http dns http https https dns'),
    ('filter-exists', '{.spec.ports[?(@.port)].name}', 'http https dns'),
    ('filter-on-scalars', '{.spec.tags[?(@=="b")]}', 'b'),
    ('filter-string-order', '{.spec.ports[?(@.name>"e")].name}', 'http https'),
    ('filter-missing-field', '{.spec.ports[?(@.x==1)]}', ''),
    ('filter-whole-items', "{.spec.ports[?(@.name=='http')]}", '{"name":"http","port":80,"proto":"TCP"}'),
    ('range-end', '{range .spec.ports[*]}{.name}={.port}{"\\n"}{end}', 'http=80\nhttps=443\ndns=53\n'),
    ('range-at', '{range .spec.tags[*]}[{@}]{end}', '[a][b][c][d]'),
    ('nested-range', '{range .spec.ports[*]}{range .name}{@}{end}{end}', 'httphttpsdns'),
    ('range-empty', '{range .spec.empty[*]}x{end}y', 'y'),
    ('range-unclosed', '{range .spec.tags[*]}{@}', 'abcd{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"annotations":{"a.b/c":"dotted"},"labels":{"app":"web","x":"y"},"name":"jp","namespace":"ns1"},"spec":{"big":1e+21,"empty":[],"html":"\\u003cb\\u003e\\u0026\\u003c/b\\u003e","multi":"l1\\nl2","nested":{"x":{"name":"inner"}},"nothing":null,"ok":true,"ports":[{"name":"http","port":80,"proto":"TCP"},{"name":"https","port":443,"proto":"TCP"},{"name":"dns","port":53,"proto":"UDP"}],"ratio":1.5,"size":10000000,"tags":["a","b","c","d"],"unicode":"héllo"}}'),
    ('text-around-range', '{.metadata.labels}{range .spec.tags[0:2]}-{@}{end}{.kind}', '{"app":"web","x":"y"}-a-bWidget'),
    ('recursive-descent', '{..name}', 'jp http https dns inner'),
    ('slice', '{.spec.tags[1:3]}', 'b c'),
    ('negative-index', '{.spec.tags[-1]}', 'd'),
    ('open-slices', '{.spec.tags[1:]}|{.spec.tags[:-1]}|{.spec.tags[1:2:]}', 'b c d|a b c|b'),
    ('step', '{.spec.tags[::2]}', 'a c'),
    ('union', '{.spec.tags[0,2]}', 'a c'),
    ('empty-slice', '{.spec.tags[0:0]}', ''),
    ('escaped-dot', '{.metadata.annotations.a\\.b/c}', 'dotted'),
    ('bracket-keys', "{['metadata']['name']}", 'jp'),
    ('root-dollar', '{$.metadata.name}', 'jp'),
    ('map-as-json', '{.spec.nested}', '{"x":{"name":"inner"}}'),
    ('list-as-json', '{.spec.ports}', '[{"name":"http","port":80,"proto":"TCP"},{"name":"https","port":443,"proto":"TCP"},{"name":"dns","port":53,"proto":"UDP"}]'),
    ('item-as-json', '{.spec.ports[0]}', '{"name":"http","port":80,"proto":"TCP"}'),
    ('empty-list', '{.spec.empty}', '[]'),
    ('missing-key-is-empty', '{.spec.missing}|{.spec.nothing.x}', '|'),
    ('html-not-escaped-in-text', '{.spec.html}', '<b>&</b>'),
    ('unicode', '{.spec.unicode}', 'héllo'),
    ('quoted-tab', '{.kind}{"\\t"}{.apiVersion}', 'Widget\texample.com/v1'),
    ('literals', '{1}{true}{"x"}{2.5}', '1truex2.5'),
    ('spaces-inside', '{ .spec.size }', '10000000'),
    ('plain-text', 'plain text', 'plain text'),
    ('current-object-keys', '{.metadata.labels.*}', 'web y'),
    ('string-bytes', '{.spec.ports[*].name.*}', '104 116 116 112 104 116 116 112 115 100 110 115'),
    ('operator-without-filter', '{.spec.size>1}', ''),
    ('filter-bool', '{.spec.ports[?(@.ok==true)]}', ''),
]


@pytest.mark.parametrize("template,expected", [c[1:] for c in OUTPUTS], ids=[c[0] for c in OUTPUTS])
def test_output_is_kubectls(template, expected):
    assert JSONPath(template).execute(OBJECT) == expected


#: (id, template, kubectl's stderr); parse errors and execution errors (the latter print the object in Go's %#v).
ERRORS = [
    ('unclosed-action', '{.spec.x', 'error: error parsing jsonpath {.spec.x, unclosed action\n'),
    ('bad-character', '{#}', "error: error parsing jsonpath {#}, unrecognized character in action: U+0023 '#'\n"),
    ('bad-array-index', '{.spec.tags[x]}', 'error: error parsing jsonpath {.spec.tags[x]}, invalid array index x\n'),
    ('union-of-keys', '{.spec.ports[*]["name","port"]}', 'error: error parsing jsonpath {.spec.ports[*]["name","port"]}, invalid array index "name"\n'),
    ('unterminated-filter', '{.a[?(@.x=="a)"]}', 'error: error parsing jsonpath {.a[?(@.x=="a)"]}, unterminated filter\n'),
    ('bad-escape', '{"\\q"}', 'error: error parsing jsonpath {"\\q"}, unquote string "\\q" error invalid syntax\n'),
    ('bad-identifier', '{.spec.foo bar}', 'error: error executing jsonpath "{.spec.foo bar}": Error executing template: unrecognized identifier bar. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.spec.foo bar}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{"apiVersion":"example.com/v1", "kind":"Widget", "metadata":map[string]interface {}{"annotations":map[string]interface {}{"a.b/c":"dotted"}, "labels":map[string]interface {}{"app":"web", "x":"y"}, "name":"jp", "namespace":"ns1"}, "spec":map[string]interface {}{"big":1e+21, "empty":[]interface {}{}, "html":"<b>&</b>", "multi":"l1\\nl2", "nested":map[string]interface {}{"x":map[string]interface {}{"name":"inner"}}, "nothing":interface {}(nil), "ok":true, "ports":[]interface {}{map[string]interface {}{"name":"http", "port":80, "proto":"TCP"}, map[string]interface {}{"name":"https", "port":443, "proto":"TCP"}, map[string]interface {}{"name":"dns", "port":53, "proto":"UDP"}}, "ratio":1.5, "size":10000000, "tags":[]interface {}{"a", "b", "c", "d"}, "unicode":"héllo"}}\n\n\n'),
    ('index-out-of-bounds', '{.spec.tags[9]}', 'error: error executing jsonpath "{.spec.tags[9]}": Error executing template: array index out of bounds: index 9, length 4. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.spec.tags[9]}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{"apiVersion":"example.com/v1", "kind":"Widget", "metadata":map[string]interface {}{"annotations":map[string]interface {}{"a.b/c":"dotted"}, "labels":map[string]interface {}{"app":"web", "x":"y"}, "name":"jp", "namespace":"ns1"}, "spec":map[string]interface {}{"big":1e+21, "empty":[]interface {}{}, "html":"<b>&</b>", "multi":"l1\\nl2", "nested":map[string]interface {}{"x":map[string]interface {}{"name":"inner"}}, "nothing":interface {}(nil), "ok":true, "ports":[]interface {}{map[string]interface {}{"name":"http", "port":80, "proto":"TCP"}, map[string]interface {}{"name":"https", "port":443, "proto":"TCP"}, map[string]interface {}{"name":"dns", "port":53, "proto":"UDP"}}, "ratio":1.5, "size":10000000, "tags":[]interface {}{"a", "b", "c", "d"}, "unicode":"héllo"}}\n\n\n'),
    ('negative-out-of-bounds', '{.spec.tags[-5]}', 'error: error executing jsonpath "{.spec.tags[-5]}": Error executing template: array index out of bounds: index -1, length 4. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.spec.tags[-5]}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{"apiVersion":"example.com/v1", "kind":"Widget", "metadata":map[string]interface {}{"annotations":map[string]interface {}{"a.b/c":"dotted"}, "labels":map[string]interface {}{"app":"web", "x":"y"}, "name":"jp", "namespace":"ns1"}, "spec":map[string]interface {}{"big":1e+21, "empty":[]interface {}{}, "html":"<b>&</b>", "multi":"l1\\nl2", "nested":map[string]interface {}{"x":map[string]interface {}{"name":"inner"}}, "nothing":interface {}(nil), "ok":true, "ports":[]interface {}{map[string]interface {}{"name":"http", "port":80, "proto":"TCP"}, map[string]interface {}{"name":"https", "port":443, "proto":"TCP"}, map[string]interface {}{"name":"dns", "port":53, "proto":"UDP"}}, "ratio":1.5, "size":10000000, "tags":[]interface {}{"a", "b", "c", "d"}, "unicode":"héllo"}}\n\n\n'),
    ('int-vs-float', '{.spec.ports[?(@.port==80.0)].name}', 'error: error executing jsonpath "{.spec.ports[?(@.port==80.0)].name}": Error executing template: incompatible types for comparison. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.spec.ports[?(@.port==80.0)].name}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{"apiVersion":"example.com/v1", "kind":"Widget", "metadata":map[string]interface {}{"annotations":map[string]interface {}{"a.b/c":"dotted"}, "labels":map[string]interface {}{"app":"web", "x":"y"}, "name":"jp", "namespace":"ns1"}, "spec":map[string]interface {}{"big":1e+21, "empty":[]interface {}{}, "html":"<b>&</b>", "multi":"l1\\nl2", "nested":map[string]interface {}{"x":map[string]interface {}{"name":"inner"}}, "nothing":interface {}(nil), "ok":true, "ports":[]interface {}{map[string]interface {}{"name":"http", "port":80, "proto":"TCP"}, map[string]interface {}{"name":"https", "port":443, "proto":"TCP"}, map[string]interface {}{"name":"dns", "port":53, "proto":"UDP"}}, "ratio":1.5, "size":10000000, "tags":[]interface {}{"a", "b", "c", "d"}, "unicode":"héllo"}}\n\n\n'),
    ('end-outside-range', '{end}', 'error: error executing jsonpath "{end}": Error executing template: not in range, nothing to end. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{end}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{"apiVersion":"example.com/v1", "kind":"Widget", "metadata":map[string]interface {}{"annotations":map[string]interface {}{"a.b/c":"dotted"}, "labels":map[string]interface {}{"app":"web", "x":"y"}, "name":"jp", "namespace":"ns1"}, "spec":map[string]interface {}{"big":1e+21, "empty":[]interface {}{}, "html":"<b>&</b>", "multi":"l1\\nl2", "nested":map[string]interface {}{"x":map[string]interface {}{"name":"inner"}}, "nothing":interface {}(nil), "ok":true, "ports":[]interface {}{map[string]interface {}{"name":"http", "port":80, "proto":"TCP"}, map[string]interface {}{"name":"https", "port":443, "proto":"TCP"}, map[string]interface {}{"name":"dns", "port":53, "proto":"UDP"}}, "ratio":1.5, "size":10000000, "tags":[]interface {}{"a", "b", "c", "d"}, "unicode":"héllo"}}\n\n\n'),
    ('start-after-stop', '{.spec.tags[3:1]}', 'error: error executing jsonpath "{.spec.tags[3:1]}": Error executing template: starting index 3 is greater than ending index 1. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.spec.tags[3:1]}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{"apiVersion":"example.com/v1", "kind":"Widget", "metadata":map[string]interface {}{"annotations":map[string]interface {}{"a.b/c":"dotted"}, "labels":map[string]interface {}{"app":"web", "x":"y"}, "name":"jp", "namespace":"ns1"}, "spec":map[string]interface {}{"big":1e+21, "empty":[]interface {}{}, "html":"<b>&</b>", "multi":"l1\\nl2", "nested":map[string]interface {}{"x":map[string]interface {}{"name":"inner"}}, "nothing":interface {}(nil), "ok":true, "ports":[]interface {}{map[string]interface {}{"name":"http", "port":80, "proto":"TCP"}, map[string]interface {}{"name":"https", "port":443, "proto":"TCP"}, map[string]interface {}{"name":"dns", "port":53, "proto":"UDP"}}, "ratio":1.5, "size":10000000, "tags":[]interface {}{"a", "b", "c", "d"}, "unicode":"héllo"}}\n\n\n'),
    ('zero-step', '{.spec.tags[0:4:0]}', 'error: error executing jsonpath "{.spec.tags[0:4:0]}": Error executing template: step must be > 0. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.spec.tags[0:4:0]}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{"apiVersion":"example.com/v1", "kind":"Widget", "metadata":map[string]interface {}{"annotations":map[string]interface {}{"a.b/c":"dotted"}, "labels":map[string]interface {}{"app":"web", "x":"y"}, "name":"jp", "namespace":"ns1"}, "spec":map[string]interface {}{"big":1e+21, "empty":[]interface {}{}, "html":"<b>&</b>", "multi":"l1\\nl2", "nested":map[string]interface {}{"x":map[string]interface {}{"name":"inner"}}, "nothing":interface {}(nil), "ok":true, "ports":[]interface {}{map[string]interface {}{"name":"http", "port":80, "proto":"TCP"}, map[string]interface {}{"name":"https", "port":443, "proto":"TCP"}, map[string]interface {}{"name":"dns", "port":53, "proto":"UDP"}}, "ratio":1.5, "size":10000000, "tags":[]interface {}{"a", "b", "c", "d"}, "unicode":"héllo"}}\n\n\n'),
    ('string-vs-int', '{.spec.ports[?(@.name<1)]}', 'error: error executing jsonpath "{.spec.ports[?(@.name<1)]}": Error executing template: incompatible types for comparison. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.spec.ports[?(@.name<1)]}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{"apiVersion":"example.com/v1", "kind":"Widget", "metadata":map[string]interface {}{"annotations":map[string]interface {}{"a.b/c":"dotted"}, "labels":map[string]interface {}{"app":"web", "x":"y"}, "name":"jp", "namespace":"ns1"}, "spec":map[string]interface {}{"big":1e+21, "empty":[]interface {}{}, "html":"<b>&</b>", "multi":"l1\\nl2", "nested":map[string]interface {}{"x":map[string]interface {}{"name":"inner"}}, "nothing":interface {}(nil), "ok":true, "ports":[]interface {}{map[string]interface {}{"name":"http", "port":80, "proto":"TCP"}, map[string]interface {}{"name":"https", "port":443, "proto":"TCP"}, map[string]interface {}{"name":"dns", "port":53, "proto":"UDP"}}, "ratio":1.5, "size":10000000, "tags":[]interface {}{"a", "b", "c", "d"}, "unicode":"héllo"}}\n\n\n'),
    ('index-a-bool', '{.spec.ok[0]}', 'error: error executing jsonpath "{.spec.ok[0]}": Error executing template: bool is not array or slice. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.spec.ok[0]}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{"apiVersion":"example.com/v1", "kind":"Widget", "metadata":map[string]interface {}{"annotations":map[string]interface {}{"a.b/c":"dotted"}, "labels":map[string]interface {}{"app":"web", "x":"y"}, "name":"jp", "namespace":"ns1"}, "spec":map[string]interface {}{"big":1e+21, "empty":[]interface {}{}, "html":"<b>&</b>", "multi":"l1\\nl2", "nested":map[string]interface {}{"x":map[string]interface {}{"name":"inner"}}, "nothing":interface {}(nil), "ok":true, "ports":[]interface {}{map[string]interface {}{"name":"http", "port":80, "proto":"TCP"}, map[string]interface {}{"name":"https", "port":443, "proto":"TCP"}, map[string]interface {}{"name":"dns", "port":53, "proto":"UDP"}}, "ratio":1.5, "size":10000000, "tags":[]interface {}{"a", "b", "c", "d"}, "unicode":"héllo"}}\n\n\n'),
    ('filter-a-map', '{.spec.nested[?(@.a)]}', 'error: error executing jsonpath "{.spec.nested[?(@.a)]}": Error executing template: map[x:map[name:inner]] is not array or slice and cannot be filtered. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.spec.nested[?(@.a)]}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{"apiVersion":"example.com/v1", "kind":"Widget", "metadata":map[string]interface {}{"annotations":map[string]interface {}{"a.b/c":"dotted"}, "labels":map[string]interface {}{"app":"web", "x":"y"}, "name":"jp", "namespace":"ns1"}, "spec":map[string]interface {}{"big":1e+21, "empty":[]interface {}{}, "html":"<b>&</b>", "multi":"l1\\nl2", "nested":map[string]interface {}{"x":map[string]interface {}{"name":"inner"}}, "nothing":interface {}(nil), "ok":true, "ports":[]interface {}{map[string]interface {}{"name":"http", "port":80, "proto":"TCP"}, map[string]interface {}{"name":"https", "port":443, "proto":"TCP"}, map[string]interface {}{"name":"dns", "port":53, "proto":"UDP"}}, "ratio":1.5, "size":10000000, "tags":[]interface {}{"a", "b", "c", "d"}, "unicode":"héllo"}}\n\n\n'),
]


@pytest.mark.parametrize("template,expected", [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_errors_are_kubectls(template, expected):
    try:
        jsonpath = JSONPath(template)
    except JSONPathError as err:
        text = parse_error_text(template, err)
    else:
        with pytest.raises(JSONPathError) as info:
            jsonpath.execute(OBJECT)
        text = execute_error_text(template, info.value, OBJECT)
    assert "error: " + text == expected


def test_float64_numbers_print_as_go_prints_them():
    # Unstructured decoding keeps integers as int64; only true floats (or a plain JSON round trip) are float64.
    data = {"items": [{"n": 10000000}, {"n": 3}, {"n": 1.5}]}
    assert JSONPath("{.items[*].n}").execute(data) == "10000000 3 1.5"
    assert JSONPath("{.items[*].n}").execute(to_float64(data)) == "1e+07 3 1.5"
    assert JSONPath("{.items}").execute(to_float64(data)) == '[{"n":10000000},{"n":3},{"n":1.5}]'


def test_missing_keys_can_be_errors():
    with pytest.raises(JSONPathError, match="^nosuch is not found$"):
        JSONPath("{.nosuch}", allow_missing_keys=False).execute(OBJECT)


def test_as_json_prints_one_indented_array_per_part():
    jsonpath = JSONPath("{.spec.tags[0:2]}", output_json=True)
    assert jsonpath.execute(OBJECT) == '[\n    "a",\n    "b"\n]\n'
