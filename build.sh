#!/usr/bin/env bash
# Builds everything and publishes the NativeAOT runsc to out/runsc.
set -euo pipefail
cd "$(dirname "$0")"
dotnet build AppKernel.sln -c Release -nologo -v quiet
dotnet publish src/Runsc/Runsc.csproj -c Release -r linux-x64 -o out -nologo -v quiet
rm -f out/*.pdb out/*.dbg
echo "built out/runsc"
