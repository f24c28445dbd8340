% Print one line per array of a MAT file as GNU Octave loads it:
%   path <tab> class <tab> rows <tab> cols <tab> sum of finite values <tab> NaN count
% for numbers and logicals, and the number of characters for cells of char.
% Usage: octave-cli -q --eval "addpath('test/mat'); dump('file.mat')"
function dump(file)
  s = load(file);
  walk(s, '');
end

function walk(v, path)
  if isstruct(v)
    names = fieldnames(v);
    for i = 1:numel(names)
      if isempty(path)
        p = names{i};
      else
        p = [path '.' names{i}];
      end
      walk(v.(names{i}), p);
    end
  elseif iscell(v)
    n = 0;
    for i = 1:numel(v)
      n = n + numel(v{i});
    end
    printf('%s\tcell\t%d\t%d\t%d\t0\n', path, rows(v), columns(v), n);
  elseif isnumeric(v) || islogical(v)
    x = double(v(:));
    printf('%s\t%s\t%d\t%d\t%.17g\t%d\n', path, class(v), rows(v), columns(v), ...
           sum(x(isfinite(x))), sum(isnan(x)));
  elseif ischar(v)
    printf('%s\tchar\t%d\t%d\t%d\t0\n', path, rows(v), columns(v), numel(v));
  end
end
