import re
from pathlib import Path

from setuptools import find_namespace_packages, setup

HERE = Path(__file__).resolve().parent
# The version is written once, in ovc_constructs/__init__.py; read here, not imported (the package's
# dependencies may not be installed yet).
VERSION = re.search(r'^__version__ = "([^"]+)"$', (HERE / "ovc_constructs" / "__init__.py").read_text(encoding="utf-8"), re.M)[1]
URL = "https://github.com/openvcloud/ovc_constructs"

setup(
    name="ovc-constructs",
    version=VERSION,
    description="Typed cdk8s constructs that deploy the OpenvCloud G8 controller stack on Kubernetes",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    url=URL,
    project_urls={"Documentation": f"{URL}#readme", "Source": URL, "Issues": f"{URL}/issues"},
    classifiers=[
        "Development Status :: 3 - Alpha",
        "Framework :: Pytest",
        "Intended Audience :: Developers",
        "Intended Audience :: System Administrators",
        "License :: OSI Approved :: Apache Software License",
        "Operating System :: OS Independent",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Python :: 3.11",
        "Topic :: System :: Systems Administration",
        "Typing :: Typed",
    ],
    python_requires=">=3.11",
    # One top-level package, and no generated bindings: custom resources are plain JSON too (docs/imports.md).
    packages=find_namespace_packages(include=["ovc_constructs", "ovc_constructs.*"]),
    # What the constructs read at synth time, and the typing marker.
    package_data={"ovc_constructs": ["scripts/*", "templates/*", "releases/*.yml", "installer/*.json", "jsii_node_signals.js", "py.typed"]},
    include_package_data=True,
    install_requires=[
        "cdk8s>=2.70.0,<3",
        "cdk8s-plus-27>=2.9.5,<3",
        "constructs>=10.3.0,<11",
        "pydantic>=2.6,<3",
        "PyYAML>=6.0,<7",
        "cryptography>=41",
        "jsonschema>=4.17,<5",
    ],
    extras_require={
        "testing": ["pytest>=8,<10", "syrupy>=4.6,<8"],
        "test": [
            "pytest>=8,<10",
            "pytest-xdist>=3.8,<4",  # make test runs the suite on every core
            "syrupy>=4.6,<8",
            "hypothesis>=6.100,<7",
            "kubernetes-validate==1.37.0",
            "checkov==3.3.30",
            "jsonschema>=4.17,<5",
            # tests/test_consumer.py: builds the wheel offline (setuptools < 70.1 needs `wheel` for bdist_wheel;
            # 0.46+ needs a packaging that checkov refuses) and type-checks the example consumer.
            "wheel>=0.40,<0.46",
            "mypy>=1.10",
        ],
    },
    entry_points={
        # The yaml_snapshot fixture, for consumers' tests too (ovc_constructs.testing).
        "pytest11": ["ovc_constructs = ovc_constructs.testing"],
        "console_scripts": ["ovc = ovc_constructs.__main__:run"],  # the same program as `python -m ovc_constructs`
    },
)
