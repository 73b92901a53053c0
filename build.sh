#!/usr/bin/env bash
# Builds everything and publishes the NativeAOT runsc to out/runsc.
set -euo pipefail
cd "$(dirname "$0")"
dotnet build AppKernel.sln -c Release -nologo -v quiet
dotnet publish src/Runsc/Runsc.csproj -c Release -r linux-x64 -o out -nologo -v quiet
# runsc.dbg stays: gdb on a stuck runsc (fuzz/run.sh on a hang) names the frames with it.
rm -f out/*.pdb
echo "built out/runsc"
