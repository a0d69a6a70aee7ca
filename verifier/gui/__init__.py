"""The workbench window: a thin PySide6 layer over verifier.services and verifier.case.

Nothing outside this package imports Qt.
"""
