#!/usr/bin/env python
"""Django's command-line utility for the demo platform."""

import os
import sys

if __name__ == "__main__":
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo_platform.settings"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
