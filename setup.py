"""Builds the stapeling's noder, a C extension (`_noder.c`); all else is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "gebiedsregie.stapeling._noder",
            sources=["backend/gebiedsregie/stapeling/_noder.c"],
            extra_compile_args=["-O2", "-std=gnu11", "-pthread"],
            extra_link_args=["-pthread"],
        )
    ]
)
