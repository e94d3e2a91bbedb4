#!/usr/bin/env python3
"""Adds up JUnit XML reports (ctest, GoogleTest, pytest, ours) and prints
'tests: N passed, N failed'.

ctest runs each GoogleTest executable as one test (cmake/TestSuite.cmake) and GoogleTest
writes that executable's cases to gtest-PRESET/EXECUTABLE.xml. A passing executable in
ctest-PRESET.xml is then not counted again (its cases are); a failing one always counts,
since a crash leaves no GoogleTest report.

Exits 1 when any test failed or errored, or when no test ran at all."""
import os
import re
import sys
import xml.etree.ElementTree as ET

# (preset, executable) pairs whose cases GoogleTest reported.
case_reports = set()
for path in sys.argv[1:]:
    folder = os.path.basename(os.path.dirname(path))
    if folder.startswith("gtest-"):
        case_reports.add((folder[len("gtest-"):], os.path.basename(path)[: -len(".xml")]))

passed = failed = skipped = 0
for path in sys.argv[1:]:
    ctest = re.fullmatch(r"ctest-(.+)\.xml", os.path.basename(path))
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        print(f"unreadable report {path}: {e}")
        failed += 1
        continue
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
            print(f"FAILED: {case.get('classname', '')} {case.get('name')}")
        elif ctest and (ctest.group(1), case.get("name")) in case_reports:
            continue  # counted case by case from GoogleTest's report
        elif case.find("skipped") is not None or case.get("status") == "notrun":
            skipped += 1
        else:
            passed += 1
line = f"tests: {passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed or passed == 0 else 0)
