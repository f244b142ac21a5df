#!/bin/sh
# Print the path of a Python X.Y interpreter (argument: X.Y), or fail with nothing printed.
# Looks at pythonX.Y on PATH, then at pyenv's installed versions.
want="$1"
for candidate in "python$want" "$(pyenv root 2>/dev/null)"/versions/"$want"*/bin/python3 \
                 /usr/bin/"python$want" /usr/local/bin/"python$want"; do
  if "$candidate" -c "import sys, venv; assert '%d.%d' % sys.version_info[:2] == '$want'" 2>/dev/null; then
    command -v "$candidate" 2>/dev/null || echo "$candidate"
    exit 0
  fi
done
exit 1
