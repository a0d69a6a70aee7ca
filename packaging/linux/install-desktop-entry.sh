#!/bin/sh
# Adds the workbench to this user's application menu (no root needed): the .desktop file with
# the path of this unpacked folder, and the icon. Run it again after moving the folder.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data="${XDG_DATA_HOME:-$HOME/.local/share}"
mkdir -p "$data/applications" "$data/icons/hicolor/256x256/apps" "$data/icons/hicolor/scalable/apps"
cp "$here/verifier.png" "$data/icons/hicolor/256x256/apps/verifier.png"
cp "$here/verifier.svg" "$data/icons/hicolor/scalable/apps/verifier.svg"
sed "s|^Exec=verifier |Exec=\"$here/verifier/verifier\" |" "$here/verifier.desktop" \
  > "$data/applications/verifier.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
echo "Added $data/applications/verifier.desktop (Exec: $here/verifier/verifier)"
