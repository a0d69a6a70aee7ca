#!/usr/bin/env bash
# dist/verifier-VERSION-linux-ARCH.tar.gz from the one-folder app in dist/verifier: one top
# folder holding the app, the .desktop file, the icon and a script that installs both for the
# user. Usage (from the repository root, after PyInstaller): make_tarball.sh VERSION ARCH
set -euo pipefail
version=${1:?version}
arch=${2:?arch}
name="verifier-$version-linux-$arch"
stage="build/tarball/$name"
test -x dist/verifier/verifier || { echo "dist/verifier/verifier is missing: build it first" >&2; exit 1; }
rm -rf "build/tarball"
mkdir -p "$stage"
cp -al dist/verifier "$stage/verifier" 2>/dev/null || cp -a dist/verifier "$stage/verifier"
cp packaging/linux/verifier.desktop "$stage/"
cp packaging/linux/install-desktop-entry.sh "$stage/"
chmod +x "$stage/install-desktop-entry.sh"
cp resources/icons/verifier-256.png "$stage/verifier.png"
cp resources/icons/verifier.svg "$stage/verifier.svg"
cat > "$stage/README.txt" <<TXT
Verifier workbench $version for Linux ($arch): no Python or other install needed.

  ./verifier/verifier gui              open the window (first run: a welcome screen)
  ./verifier/verifier demo             build the demo case headless and print its report path
  ./verifier/verifier --help           every command
  ./install-desktop-entry.sh           add it to your application menu (for you only)

Your settings, corpus, demo case and log live in your user folders (~/.config/verifier,
~/.local/share/verifier, ~/.local/state/verifier); removing this folder uninstalls the app.
TXT
out="dist/$name.tar.gz"
tar -C build/tarball --owner=0 --group=0 --numeric-owner --sort=name -cf - "$name" \
  | gzip -n -6 > "$out.part"
mv "$out.part" "$out"
rm -rf "build/tarball"
echo "$out: $(du -h "$out" | cut -f1) (folder $(du -sh dist/verifier | cut -f1))"
