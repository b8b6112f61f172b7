-- wrk script: GET /ping/<uuid> for UUIDs picked at random from the file named after "--".
local codes = {}

function init(args)
  for line in io.lines(args[1]) do
    codes[#codes + 1] = line
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  return wrk.format("GET", "/ping/" .. codes[math.random(#codes)])
end
